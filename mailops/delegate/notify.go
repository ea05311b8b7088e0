package delegate

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"strings"
	"time"

	"github.com/mailops-dev/mailops/mailops"
)

// Notice is one notification mail, before it is sent.
type Notice struct {
	From mailops.Address
	To   []mailops.Address
	// Message is the whole RFC 5322 message, CRLF line ends.
	Message []byte
}

// noticeText is a notification's subject and body in one language.
type noticeText struct{ subject, body string }

// texts gives, per state worth a mail, the Japanese and the English text.
func texts(r Request) (ja, en noticeText, ok bool) {
	addr := string(r.Address())
	switch r.State {
	case AwaitingApproval:
		return noticeText{"[承認待ち] " + addr + " の変更依頼", fmt.Sprintf("%s の変更依頼 %s（%s）が承認を待っています。", addr, r.ID, kindJA(r.Kind))},
			noticeText{"[Awaiting approval] request for " + addr, fmt.Sprintf("Request %s (%s) for %s awaits IT's approval.", r.ID, kindEN(r.Kind), addr)}, true
	case Done:
		return noticeText{"[完了] " + addr + " の変更", fmt.Sprintf("%s の変更依頼 %s（%s）が反映されました。", addr, r.ID, kindJA(r.Kind))},
			noticeText{"[Done] change to " + addr, fmt.Sprintf("Request %s (%s) for %s is done: Exchange Online shows the change.", r.ID, kindEN(r.Kind), addr)}, true
	case Failed:
		return noticeText{"[失敗] " + addr + " の変更", fmt.Sprintf("%s の変更依頼 %s（%s）は失敗しました。理由: %s", addr, r.ID, kindJA(r.Kind), r.Reason)},
			noticeText{"[Failed] change to " + addr, fmt.Sprintf("Request %s (%s) for %s failed: %s", r.ID, kindEN(r.Kind), addr, r.Reason)}, true
	case Rejected:
		return noticeText{"[却下] " + addr + " の変更依頼", fmt.Sprintf("%s の変更依頼 %s（%s）は却下されました。理由: %s", addr, r.ID, kindJA(r.Kind), r.Reason)},
			noticeText{"[Rejected] request for " + addr, fmt.Sprintf("Request %s (%s) for %s was rejected: %s", r.ID, kindEN(r.Kind), addr, r.Reason)}, true
	}
	return noticeText{}, noticeText{}, false
}

func kindJA(k Kind) string {
	switch k {
	case CreateAddress:
		return "アドレスの作成"
	case ReplaceTargets:
		return "転送先の変更"
	case DeleteAddress:
		return "アドレスの削除"
	case SetDisplayName:
		return "表示名の変更"
	case JoinGroup:
		return "グループへの参加"
	case LeaveGroup:
		return "グループからの脱退"
	}
	return string(k)
}

func kindEN(k Kind) string { return strings.ReplaceAll(string(k), "_", " ") }

// Compose builds the notification of r's state (awaiting approval, done,
// failed or rejected) to its recipients: the submitter, and for a request
// awaiting approval also approvers. The body is Japanese then English, UTF-8
// in base64; the Subject is an RFC 2047 encoded word; Auto-Submitted:
// auto-generated keeps vacation replies and forwards from answering it. ok is
// false for a state that sends no mail or when there is nobody to tell.
func Compose(r Request, from mailops.Address, approvers []mailops.Address, now time.Time, msgID string) (Notice, bool) {
	ja, en, ok := texts(r)
	if !ok {
		return Notice{}, false
	}
	var to []mailops.Address
	if r.SubmitterEmail != "" {
		to = append(to, r.SubmitterEmail)
	}
	if r.State == AwaitingApproval {
		to = append(to, approvers...)
	}
	if len(to) == 0 {
		return Notice{}, false
	}
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", "mailops <"+string(from)+">")
	h("To", strings.Join(addrStrings(to), ", "))
	h("Subject", mime.BEncoding.Encode("UTF-8", ja.subject+" / "+en.subject))
	h("Date", now.UTC().Format(time.RFC1123Z))
	h("Message-ID", "<"+msgID+"@"+from.Domain()+">")
	h("Auto-Submitted", "auto-generated")
	h("X-Auto-Response-Suppress", "All")
	h("MIME-Version", "1.0")
	h("Content-Type", `text/plain; charset="UTF-8"`)
	h("Content-Language", "ja, en")
	h("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	body := ja.body + "\r\n\r\n" + en.body + "\r\n\r\n-- \r\nmailops delegate (自動送信 / sent automatically)\r\n"
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return Notice{From: from, To: to, Message: b.Bytes()}, true
}
