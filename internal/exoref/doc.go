// Package exoref checks Exchange cmdlets and their parameters against what
// Microsoft's cmdlet reference documents for Exchange Online.
//
// The reference is exo-cmdlets.json, embedded in the package: for every
// Exchange cmdlet the project may use, the parameters whose "Applicable" line
// in MicrosoftDocs/office-docs-powershell names Exchange Online, with
// onPremisesOnly (documented for Exchange Online but functional only
// on-premises) and cloudOnly marks, and exchangeOnline false for cmdlets whose
// synopsis says they are on-premises only. The file doubles as the allowlist:
// an Exchange cmdlet it does not list is reported as unknown, so adding a
// cmdlet to the project means adding it to the file from the reference.
//
// Three callers share it:
//
//   - tests that render every operation and runbook as PowerShell and call
//     [Reference.CheckScript] on the lines;
//   - the Graph driver, which calls [Reference.CheckCmdlet] with the cmdlet name
//     and parameter names of every InvokeCommand it sends;
//   - the fake Graph/EXO server, which refuses with [Reference.CheckCmdlet]
//     what the reference does not list and uses [Reference.Canonical] to match
//     parameter names as PowerShell does (case-insensitively).
//
// [ParseLine] and [ParseCommands] read the single-line PowerShell the project
// renders: quoted strings, sub-expressions, arrays, hashtables, script blocks,
// pipelines and assignments. They are not a full PowerShell parser.
package exoref
