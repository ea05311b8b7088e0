package mailops

// Exchange Online limits enforced by validation (see reference/exo-facts.md).
const (
	MaxNameLen         = 64      // group, connector and remote-domain names
	MaxDisplayNameLen  = 256     // display names and simple display names
	MaxGroupOwners     = 10      // ManagedBy entries on a distribution group
	MaxGroupMembers    = 100_000 // members of a distribution group
	MaxMembersPerCall  = 10_000  // entries in one -Members parameter
	MaxProxyAddresses  = 400     // email addresses on one recipient
	MinInboundIPPrefix = 24      // widest IPv4 prefix an inbound connector takes
)
