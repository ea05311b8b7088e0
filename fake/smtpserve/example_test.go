package smtpserve_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
	"github.com/mailops-dev/mailops/fake/smtpserve"
)

// Serve a world's legacy server on loopback and send it a message with a real
// SMTP client; the world's ledger records it, and the oracle checks it.
func ExampleServer_Listen() {
	w := mailflow.NewWorld(mailflow.Config{Seed: 1, Tenant: fake.InstantTenantConfig(), Partner: fake.InstantTenantConfig()})
	w.AddLegacy("mx.dept.example", time.Hour, "dept.example").AddMailbox("alice@dept.example")
	w.Expect().Address("alice@dept.example", "alice")
	w.Expect().Reads("alice", mailflow.LegacyMailbox("alice@dept.example"), time.Time{}, time.Time{})

	srv := smtpserve.New(w)
	defer srv.Close()
	addr, err := srv.Listen(smtpserve.HostConfig{Host: "mx.dept.example"})
	if err != nil {
		panic(err)
	}
	c, err := smtp.Dial(addr)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	_ = c.Hello("client.example")
	_ = c.Mail("carol@gmail.example", nil)
	fmt.Println("RCPT nobody:", c.Rcpt("nobody@dept.example", nil))
	fmt.Println("RCPT alice:", c.Rcpt("alice@dept.example", nil))
	wc, _ := c.Data()
	_, _ = wc.Write([]byte("From: Carol <carol@gmail.example>\r\nSubject: hello\r\n\r\nHi.\r\n"))
	fmt.Println("DATA:", wc.Close())
	_ = c.Quit()

	srv.Do(func() {
		_ = w.Scheduler().RunFor(time.Hour)
		fmt.Println(strings.TrimSpace(w.Check().String()))
	})
	// Output:
	// RCPT nobody: SMTP error 550: Bad destination mailbox address
	// RCPT alice: <nil>
	// DATA: <nil>
	// sent 1  delivered 1  bounced 0  lost 0  duplicated 0  misdelivered 0  looped 0  (expected bounces 0)
}
