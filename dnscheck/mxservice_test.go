package dnscheck_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/dnscheck"
	"github.com/mailops-dev/mailops/fake/dnsserver"
)

func TestIsEXOMX(t *testing.T) {
	for host, want := range map[string]bool{
		"contoso-com.mail.protection.outlook.com":   true,
		"Contoso-Com.Mail.Protection.Outlook.Com.":  true,
		"contoso-com.e-v1.mx.microsoft":             true,
		"contoso-com01b.n-v1.mx.microsoft.":         true,
		"mail.protection.outlook.com":               false,
		"contoso-com.mail.protection.outlook.com.x": false,
		"mx.microsoft.example.com":                  false,
		"mx.contoso.com":                            false,
		"":                                          false,
	} {
		assert.Equal(t, want, dnscheck.IsEXOMX(host), host)
	}
}

// failFor answers from the authority, except queries for one name, which
// fail with err (no wall clock: a timeout is the error it produces).
type failFor struct {
	a    *dnsserver.Authority
	name string
	err  error
}

func (f failFor) Exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	if strings.EqualFold(m.Question[0].Name, dns.Fqdn(f.name)) {
		return nil, f.err
	}
	return f.a.Exchange(ctx, m)
}

// A failed lookup of an Exchange Online MX host is lookup-failed, never
// "no address".
func TestEXOMXHostFailureIsNotAbsence(t *testing.T) {
	servfail := switchedZone(t)
	require.NoError(t, servfail.FailWith(exo, "servfail"))
	for name, x := range map[string]dnscheck.Exchanger{
		"servfail": servfail,
		"timeout":  failFor{a: switchedZone(t), name: exo, err: context.DeadlineExceeded},
		"network":  failFor{a: switchedZone(t), name: exo, err: errors.New("connection reset")},
	} {
		t.Run(name, func(t *testing.T) {
			for _, st := range []dnscheck.Stage{dnscheck.Switched, dnscheck.Final} {
				r := check(t, x, baseSpec(st))
				assert.False(t, r.Has("mx.no-address"), ids(r))
				f, ok := find(r, "lookup-failed")
				require.True(t, ok, ids(r))
				assert.Contains(t, f.Message, "MX host")
				assert.False(t, r.Safe())
			}
		})
	}
}

// No record to add names an Exchange Online MX host other than the one the
// spec gives: dnscheck never derives it from the domain name.
func TestRecordsToAddNeverDeriveTheMXHost(t *testing.T) {
	for _, c := range findingCases {
		a := zoneFor(t, c.stage)
		s := baseSpec(c.stage)
		if c.edit != nil {
			c.edit(t, a, &s)
		}
		r := check(t, a, s)
		for _, f := range r.Findings {
			for _, add := range f.Add {
				if !strings.Contains(add, " MX ") || !strings.Contains(add, "outlook.com") && !strings.Contains(add, "mx.microsoft") {
					continue
				}
				if s.EXOMX == "" {
					assert.Contains(t, add, "serviceConfigurationRecords", "%s: %s", f.ID, add)
					assert.NotContains(t, add, dnscheck.EXOMXHost(dom), "%s: %s", f.ID, add)
				} else {
					assert.Equal(t, "@ 3600 MX 0 "+s.EXOMX, add, f.ID)
				}
			}
		}
	}

	// The gate takes the wanted host from the caller: the legacy pattern
	// published while the service record says mx.microsoft keeps it closed.
	a := switchedZone(t)
	assert.Error(t, dnscheck.MXIs(bg, []dnscheck.Exchanger{a}, dom, []string{exoNew}))
	require.NoError(t, a.SetMX(dom, 3600, dnsserver.MX{Host: exoNew}))
	assert.NoError(t, dnscheck.MXIs(bg, []dnscheck.Exchanger{a}, dom, []string{exoNew}))
}

// In the package's own code, EXOMXHost is never called and the MX host
// suffixes are joined to a token only inside EXOMXHost.
func TestOnlyEXOMXHostBuildsAnMXHost(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := gotoken.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			if fd, ok := n.(*ast.FuncDecl); ok && fd.Name.Name == "EXOMXHost" && fd.Recv == nil {
				return false // the one place allowed
			}
			switch n := n.(type) {
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "EXOMXHost" {
					t.Errorf("%s: EXOMXHost called", fset.Position(n.Pos()))
				}
			case *ast.BinaryExpr:
				for _, side := range []ast.Expr{n.X, n.Y} {
					if id, ok := side.(*ast.Ident); ok && (id.Name == "legacyEXOMXSuffix" || id.Name == "newEXOMXSuffix") && n.Op == gotoken.ADD {
						t.Errorf("%s: an MX host built from %s", fset.Position(n.Pos()), id.Name)
					}
					if lit, ok := side.(*ast.BasicLit); ok && n.Op == gotoken.ADD && lit.Kind == gotoken.STRING &&
						(strings.HasPrefix(lit.Value, `".mail.protection`) || strings.HasPrefix(lit.Value, `".mx.microsoft`) || strings.HasSuffix(lit.Value, `-v1.mx.microsoft"`)) {
						t.Errorf("%s: an MX host built from %s", fset.Position(n.Pos()), lit.Value)
					}
				}
			}
			return true
		})
	}
	assert.Greater(t, checked, 10)
}
