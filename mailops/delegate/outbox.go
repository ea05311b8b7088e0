package delegate

import "context"

// notifies reports whether reaching st sends a notification.
func notifies(st State) bool {
	switch st {
	case AwaitingApproval, Done, Failed, Rejected:
		return true
	}
	return false
}

// noticeHook returns the hook that queues the notification of *after (the
// request as the transaction leaves it) through outbox, inside the state
// change's transaction, when its state sends one. nil without an outbox.
func noticeHook(outbox func(Request) TxHook, after *Request) TxHook {
	if outbox == nil {
		return nil
	}
	return func(ctx context.Context, tx any) error {
		if !notifies(after.State) {
			return nil
		}
		return outbox(*after)(ctx, tx)
	}
}

// chain runs the non-nil hooks in order.
func chain(hooks ...TxHook) TxHook {
	return func(ctx context.Context, tx any) error {
		for _, h := range hooks {
			if h == nil {
				continue
			}
			if err := h(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	}
}
