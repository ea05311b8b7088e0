package mailops

// DkimSigningConfig is a domain's DKIM signing configuration
// (Get-/New-/Set-DkimSigningConfig). Selector1CNAME and Selector2CNAME are the
// targets the domain's selector1._domainkey and selector2._domainkey CNAMEs
// must point at; they are read from the service, never built from a pattern.
//
// Source: learn.microsoft.com/defender-office-365/email-authentication-dkim-configure.
type DkimSigningConfig struct {
	Domain         string `json:"domain"`
	Enabled        bool   `json:"enabled"`
	Selector1CNAME string `json:"selector1CNAME"`
	Selector2CNAME string `json:"selector2CNAME"`
}
