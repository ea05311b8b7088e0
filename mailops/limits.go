package mailops

// Exchange Online limits enforced by validation (see reference/exo-facts.md).
const (
	MaxNameLen        = 64      // group, connector and remote-domain names
	MaxDisplayNameLen = 256     // display names and simple display names
	MaxGroupOwners    = 10      // ManagedBy entries on a distribution group
	MaxGroupMembers   = 100_000 // members of a distribution group
	// MaxMembersPerCall is the most members mailops puts in one -Members
	// parameter. The parameter takes 10,000 (New-DistributionGroup), but
	// "Cmdlets backed by the REST API have a 15-minute timeout" and the
	// documentation's own example of a call that "might time out" splits
	// 10,000 members at 5,000: "Update-DistributionGroupMember -Identity DG01
	// -Members $Members[0..4999]", the rest with Add-DistributionGroupMember
	// (learn.microsoft.com/powershell/exchange/exchange-online-powershell-v2).
	MaxMembersPerCall  = 5_000
	MaxProxyAddresses  = 400 // email addresses on one recipient
	MinInboundIPPrefix = 24  // widest IPv4 prefix an inbound connector takes
)
