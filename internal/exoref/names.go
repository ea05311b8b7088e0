package exoref

import "strings"

// isVerbNoun reports whether name has the shape of a cmdlet name: letters, one
// hyphen, then a letter followed by letters and digits (Get-Mailbox,
// Get-O365ClientBrowserDetailReport).
func isVerbNoun(name string) bool {
	verb, noun, ok := strings.Cut(name, "-")
	if !ok || verb == "" || noun == "" || !isLetter(noun[0]) {
		return false
	}
	for i := 0; i < len(verb); i++ {
		if !isLetter(verb[i]) {
			return false
		}
	}
	for i := 0; i < len(noun); i++ {
		if !isLetter(noun[i]) && !isDigit(noun[i]) {
			return false
		}
	}
	return true
}

// isParamName reports whether s is a parameter name: a letter, then letters,
// digits and underscores.
func isParamName(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isLetter(s[i]) && !isDigit(s[i]) && s[i] != '_' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// commonParameter returns the usual spelling of a parameter PowerShell adds
// to every cmdlet (about_CommonParameters), matched case-insensitively.
func commonParameter(name string) (string, bool) {
	for _, c := range [...]string{
		"Debug", "ErrorAction", "ErrorVariable", "InformationAction",
		"InformationVariable", "OutBuffer", "OutVariable", "PipelineVariable",
		"ProgressAction", "Verbose", "WarningAction", "WarningVariable",
	} {
		if strings.EqualFold(c, name) {
			return c, true
		}
	}
	return "", false
}

// isCoreCmdlet reports whether name (any case) is one of PowerShell's own
// cmdlets (Microsoft.PowerShell.Core, .Utility, .Management, .Security) or
// DnsClient's Resolve-DnsName: cmdlets a rendered script may use that are not
// Exchange's.
func isCoreCmdlet(name string) bool {
	switch strings.ToLower(name) {
	case
		"add-content", "clear-host", "compare-object", "convertfrom-json",
		"convertfrom-securestring", "convertto-csv", "convertto-json", "convertto-securestring",
		"export-csv", "foreach-object", "format-list", "format-table",
		"get-childitem", "get-content", "get-credential", "get-date",
		"get-item", "get-member", "get-random", "get-variable",
		"group-object", "import-csv", "import-module", "install-module",
		"invoke-restmethod", "invoke-webrequest", "join-path", "measure-object",
		"new-item", "new-object", "new-variable", "out-file",
		"out-host", "out-null", "out-string", "read-host",
		"remove-item", "remove-variable", "resolve-dnsname", "select-object",
		"select-string", "set-content", "set-variable", "sort-object",
		"split-path", "start-sleep", "tee-object", "test-path",
		"where-object", "write-debug", "write-error", "write-host",
		"write-information", "write-output", "write-progress", "write-verbose",
		"write-warning":
		return true
	}
	return false
}

// IsExchangeCmdlet reports whether name is to be checked as an Exchange
// cmdlet. The rule:
//
//   - a name the reference lists (in any case) is an Exchange cmdlet, even one
//     marked on-premises only;
//   - a name that is not Verb-Noun is not a cmdlet at all;
//   - a Microsoft Graph PowerShell cmdlet, whose noun starts with "Mg"
//     (New-MgDomain, Get-MgDomainVerificationDnsRecord, Confirm-MgDomain), is
//     not;
//   - a core PowerShell cmdlet (Where-Object, Read-Host, Select-Object,
//     ForEach-Object, ...) is not;
//   - any other Verb-Noun name is taken for an Exchange cmdlet missing from
//     the reference (misspelt, or not yet added to the file), so that
//     [Reference.CheckCmdlet] reports it as unknown instead of letting it pass.
func (r *Reference) IsExchangeCmdlet(name string) bool {
	if r.cmdlet(name) != nil {
		return true
	}
	if !isVerbNoun(name) {
		return false
	}
	_, noun, _ := strings.Cut(name, "-")
	if isGraphNoun(noun) {
		return false
	}
	return !isCoreCmdlet(name)
}

// isGraphNoun reports whether a cmdlet noun carries the Microsoft Graph
// PowerShell SDK's "Mg" prefix, in any case (no Exchange noun starts with
// "mg").
func isGraphNoun(noun string) bool {
	return len(noun) >= 2 && strings.EqualFold(noun[:2], "mg")
}
