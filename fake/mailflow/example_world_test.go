package mailflow_test

import (
	"fmt"
	"time"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/mailflow"
)

// A world with a legacy server and an internet domain: an internet sender
// writes to a mailbox, to an alias that expands to a local and a remote
// address, and to an address that does not exist. The oracle checks every
// (message, recipient) against who reads which mailbox.
func ExampleNewWorld() {
	w := mailflow.NewWorld(mailflow.Config{Seed: 1, Tenant: fake.InstantTenantConfig(), Partner: fake.InstantTenantConfig()})
	legacy := w.AddLegacy("mx.dept.example", time.Hour, "dept.example")
	legacy.AddMailbox("alice@dept.example")
	legacy.SetAlias("team@dept.example", "alice@dept.example", "bob@gmail.example")
	w.AddInternetDomain("gmail.example")

	e := w.Expect()
	e.Address("alice@dept.example", "alice")
	e.Reads("alice", mailflow.LegacyMailbox("alice@dept.example"), time.Time{}, time.Time{})
	e.Address("team@dept.example", "alice", "bob")
	e.Reads("bob", mailflow.InternetMailbox("bob@gmail.example"), time.Time{}, time.Time{})

	w.SendFromInternet("carol@gmail.example", "Carol", "alice@dept.example", "team@dept.example", "nobody@dept.example")
	if err := w.Scheduler().RunFor(time.Hour); err != nil {
		panic(err)
	}
	fmt.Print(w.Check())
	// Output:
	// sent 3  delivered 2  bounced 0  lost 0  duplicated 0  misdelivered 0  looped 0  (expected bounces 1)
}

// The report names each violation's cause and gives its hop trail, and how to
// reproduce the run: here an address its people expect to work was never
// created on the legacy server.
func ExampleCheck() {
	w := mailflow.NewWorld(mailflow.Config{Seed: 7, Tenant: fake.InstantTenantConfig(), Partner: fake.InstantTenantConfig()})
	w.AddLegacy("mx.dept.example", time.Hour, "dept.example")
	w.Expect().Address("office@dept.example", "staff")
	w.Expect().Reads("staff", mailflow.LegacyMailbox("office@dept.example"), time.Time{}, time.Time{})

	w.SendFromInternet("carol@gmail.example", "Carol", "office@dept.example")
	if err := w.Scheduler().RunFor(time.Hour); err != nil {
		panic(err)
	}
	rep := mailflow.Check(w.Ledger(), w.Expect(), w.Seed())
	fmt.Println(rep.NoLoss())
	fmt.Print(rep)
	// Output:
	// false
	// sent 1  delivered 0  bounced 1  lost 0  duplicated 0  misdelivered 0  looped 0  (expected bounces 0)
	//   message 1 to office@dept.example: bounced: 550 5.1.1 Bad destination mailbox address at mx.dept.example
	//     trail: mx.dept.example
	// reproduce with seed=7
}

// An SMTP session in-process, stage by stage, as the loopback server drives
// it: the host checks each recipient at RCPT.
func ExampleWorld_Open() {
	w := mailflow.NewWorld(mailflow.Config{Seed: 1, Tenant: fake.InstantTenantConfig(), Partner: fake.InstantTenantConfig()})
	w.AddLegacy("mx.dept.example", time.Hour, "dept.example").AddMailbox("alice@dept.example")

	s, r := w.Open("mx.dept.example", mailflow.ClientInfo{}, mailflow.SessionLimits{MaxMessageBytes: 1 << 20})
	fmt.Println(r)
	fmt.Println(s.Mail("carol@gmail.example"))
	fmt.Println(s.Rcpt("nobody@dept.example"))
	fmt.Println(s.Rcpt("alice@dept.example"))
	fmt.Println(s.Data([]byte("From: Carol <carol@gmail.example>\r\nSubject: hello\r\n\r\nHi Alice.\r\n")))
	s.Close()
	// Output:
	// 220 2.0.0 mx.dept.example ESMTP ready
	// 250 2.0.0 OK
	// 550 5.1.1 Bad destination mailbox address
	// 250 2.0.0 OK
	// 250 2.0.0 OK queued as 1
}
