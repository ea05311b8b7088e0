package lab

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// graphHandler serves the fake Graph and Exchange admin API over the
// world's tenant. Each request runs as a simulated process of the world
// (the tenant's calls take virtual time: micro delays under throttling), so
// it waits for the pump; the lab records it in the control log (for
// replay) and with its wall time (for the Retry-After check).
func (l *Lab) graphHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight := l.enter()
		defer l.leave()
		hr, err := recordRequest(r, func(tok string) bool { return l.tok.valid(r.Context(), r.URL.Path, tok) })
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		l.Do(func() { l.e.graphCall(hr, rec, done) })
		select {
		case l.kick <- struct{}{}:
		default:
		}
		select {
		case <-done:
		case <-r.Context().Done():
			return
		}
		res := rec.Result()
		ra, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		l.reqMu.Lock()
		l.reqs = append(l.reqs, request{Wall: l.cfg.Wall.Now(), Desc: r.Method + " " + r.URL.Path, Status: res.StatusCode,
			RetryAfter: time.Duration(ra) * time.Second, InFlight: inFlight})
		l.reqMu.Unlock()
		for k, vs := range res.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(res.StatusCode)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// enter counts a request in flight at the Graph edge and returns how many
// are (it included): the grade's concurrency check.
func (l *Lab) enter() int {
	l.reqMu.Lock()
	l.inFlight++
	n := l.inFlight
	hook := l.onEnter
	l.reqMu.Unlock()
	if hook != nil {
		hook(n)
	}
	return n
}

func (l *Lab) leave() {
	l.reqMu.Lock()
	l.inFlight--
	l.reqMu.Unlock()
}
