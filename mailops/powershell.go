package mailops

import (
	"fmt"
	"strings"
)

// psQuote renders s as a PowerShell single-quoted string. PowerShell treats
// the typographic quotes ‘ ’ ‚ ‛ as single quotes too, so they are doubled like
// the apostrophe; nothing inside single quotes is expanded.
func psQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// psList renders a PowerShell array of quoted strings ('a','b'); an empty list
// renders as @().
func psList[T ~string](xs []T) string {
	if len(xs) == 0 {
		return "@()"
	}
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = psQuote(string(x))
	}
	return strings.Join(q, ",")
}

func psBool(b bool) string {
	if b {
		return "$true"
	}
	return "$false"
}

// psCmd builds one cmdlet line from a name and ordered parameter pairs.
type psCmd struct {
	name  string
	parts []string
}

func cmdlet(name string) *psCmd { return &psCmd{name: name} }

func (c *psCmd) arg(param, value string) *psCmd {
	c.parts = append(c.parts, "-"+param+" "+value)
	return c
}

func (c *psCmd) str(param, value string) *psCmd { return c.arg(param, psQuote(value)) }

// noConfirm adds -Confirm:$false. Confirm is a switch: a switch takes a value
// only with a colon ("-Confirm $false" would pass $false as a positional
// argument).
func (c *psCmd) noConfirm() *psCmd {
	c.parts = append(c.parts, "-Confirm:$false")
	return c
}

func (c *psCmd) String() string {
	if len(c.parts) == 0 {
		return c.name
	}
	return c.name + " " + strings.Join(c.parts, " ")
}

// psComment renders text as PowerShell comment lines.
func psComment(text string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		out = append(out, strings.TrimRight("# "+l, " "))
	}
	return out
}

// dnsLine renders a record as a zone-file style line for review.
func dnsLine(domain string, r DNSRecord) string {
	name := r.Label
	if name == "" || name == "@" {
		name = domain + "."
	} else if !strings.HasSuffix(name, ".") {
		name = name + "." + domain + "."
	}
	value := r.Value
	switch r.From {
	case FromServiceMX:
		value = "(the MX host of (Get-MgDomainServiceConfigurationRecord -DomainId " + psQuote(domain) + " | Where-Object RecordType -eq 'Mx').AdditionalProperties.mailExchange; never build it from the domain name)"
	case FromDKIMSelector1:
		value = "(Get-DkimSigningConfig -Identity " + psQuote(domain) + ").Selector1CNAME"
	case FromDKIMSelector2:
		value = "(Get-DkimSigningConfig -Identity " + psQuote(domain) + ").Selector2CNAME"
	}
	switch r.Type {
	case "MX":
		return fmt.Sprintf("%s %d IN MX %d %s", name, r.TTL, r.Preference, value)
	case "TXT":
		return fmt.Sprintf("%s %d IN TXT %q", name, r.TTL, r.Value)
	default:
		return fmt.Sprintf("%s %d IN %s %s", name, r.TTL, r.Type, value)
	}
}
