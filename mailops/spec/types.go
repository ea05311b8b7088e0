package spec

import (
	"github.com/mailops-dev/mailops/mailops/legacy"
)

// APIVersion is the version this package reads and writes.
const APIVersion = "mailops.dev/v1"

// Kind is the kind of migration a file describes.
type Kind string

// Kinds.
const (
	// Consolidation folds one departmental domain into the tenant.
	Consolidation Kind = "Consolidation"
	// University folds many departments at once.
	University Kind = "University"
	// Cutover replaces an on-premises server for one domain.
	Cutover Kind = "Cutover"
	// ListDomain moves the mailing-list domain behind Exchange Online.
	ListDomain Kind = "ListDomain"
)

// File is a migration spec.
type File struct {
	APIVersion string `yaml:"apiVersion" json:"apiVersion" jsonschema:"enum=mailops.dev/v1"`
	Kind       Kind   `yaml:"kind" json:"kind" jsonschema:"enum=Consolidation,enum=University,enum=Cutover,enum=ListDomain"`
	// Tenant is the Exchange Online side as it is before the migration.
	Tenant Tenant `yaml:"tenant" json:"tenant"`
	// Departments are folded in (Consolidation: exactly one; University:
	// one or more).
	Departments []Department `yaml:"departments,omitempty" json:"departments,omitempty"`
	// Cutover is the on-premises server to replace (kind Cutover).
	Cutover *CutoverSpec `yaml:"cutover,omitempty" json:"cutover,omitempty"`
	// ListDomain is the mailing-list domain (kind ListDomain).
	ListDomain *ListDomainSpec `yaml:"listDomain,omitempty" json:"listDomain,omitempty"`
	// Devices send through the device relay.
	Devices *Devices `yaml:"devices,omitempty" json:"devices,omitempty"`
	// DNS describes the legacy zones.
	DNS []Zone `yaml:"dns,omitempty" json:"dns,omitempty"`
	// Traffic is what the simulator sends while the plan runs.
	Traffic Traffic `yaml:"traffic,omitempty" json:"traffic,omitempty"`
	// Absent lists objects to delete (addresses that must not exist
	// after the migration). Deletions come only from this list; a domain
	// is never deleted.
	Absent []string `yaml:"absent,omitempty" json:"absent,omitempty"`
	// Decisions are what the importer could not map, with file and line,
	// kept for a person to resolve.
	Decisions []legacy.Decision `yaml:"decisions,omitempty" json:"decisions,omitempty"`
	// Expect holds, per legacy address, where the legacy server delivers
	// (written by the importer): the differential check's legacy side.
	Expect []Expectation `yaml:"expect,omitempty" json:"expect,omitempty"`
	// Dir is the directory the file was read from (ParseFile): relative
	// zone files resolve there.
	Dir string `yaml:"-" json:"-"`
}

// Tenant is the Exchange Online organisation.
type Tenant struct {
	// Name names the tenant (the simulator's tenant name).
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Domains are the tenant's accepted domains already in use (the
	// organisation's domain first).
	Domains []string `yaml:"domains" json:"domains"`
	// Mailboxes are the people's existing mailboxes.
	Mailboxes []Person `yaml:"mailboxes,omitempty" json:"mailboxes,omitempty"`
	// Contacts are external addresses known to the tenant (mail contacts).
	Contacts []Contact `yaml:"contacts,omitempty" json:"contacts,omitempty"`
	// Forwarding set on tenant mailboxes.
	Forwarding []Forward `yaml:"forwarding,omitempty" json:"forwarding,omitempty"`
	// Partners are other organisations, some already on Exchange Online.
	Partners []Partner `yaml:"partners,omitempty" json:"partners,omitempty"`
}

// Person is a mailbox.
type Person struct {
	Address           string `yaml:"address" json:"address"`
	DisplayName       string `yaml:"displayName,omitempty" json:"displayName,omitempty"`
	SimpleDisplayName string `yaml:"simpleDisplayName,omitempty" json:"simpleDisplayName,omitempty"`
}

// Contact is a mail contact: an external address the tenant knows.
type Contact struct {
	Address     string `yaml:"address" json:"address"`
	DisplayName string `yaml:"displayName,omitempty" json:"displayName,omitempty"`
}

// Forward is forwarding on a tenant mailbox.
type Forward struct {
	Mailbox string `yaml:"mailbox" json:"mailbox"`
	// Address is ForwardingAddress (a recipient of the tenant); it wins
	// over SmtpAddress.
	Address     string `yaml:"address,omitempty" json:"address,omitempty"`
	SmtpAddress string `yaml:"smtpAddress,omitempty" json:"smtpAddress,omitempty"`
	KeepCopy    bool   `yaml:"keepCopy,omitempty" json:"keepCopy,omitempty"`
}

// Partner is another organisation that exchanges mail with the tenant.
type Partner struct {
	Name    string   `yaml:"name" json:"name"`
	Domains []string `yaml:"domains" json:"domains"`
	// OnExchangeOnline: the partner's own tenant is on Exchange Online
	// (it delivers inside Exchange Online).
	OnExchangeOnline bool `yaml:"onExchangeOnline,omitempty" json:"onExchangeOnline,omitempty"`
}

// Department is one departmental domain folded into the tenant.
type Department struct {
	Domain      string   `yaml:"domain" json:"domain"`
	LegacyMX    string   `yaml:"legacyMX" json:"legacyMX"`
	LegacyMXTTL Duration `yaml:"legacyMXTTL,omitempty" json:"legacyMXTTL,omitempty"`
	LegacySPF   string   `yaml:"legacySPF,omitempty" json:"legacySPF,omitempty"`
	// Admins own every address group.
	Admins Admins `yaml:"admins" json:"admins"`
	// Addresses are the departmental addresses.
	Addresses []Address `yaml:"addresses" json:"addresses"`
	// TakeOver: take the domain over from an unmanaged tenant.
	TakeOver bool `yaml:"takeOver,omitempty" json:"takeOver,omitempty"`
}

// Admins are a department's admins: an admin group (a mail-enabled security
// group the plan creates) or, with Mailboxes, the admins named as owners.
type Admins struct {
	Group     string   `yaml:"group,omitempty" json:"group,omitempty"`
	Name      string   `yaml:"name,omitempty" json:"name,omitempty"`
	Members   []string `yaml:"members,omitempty" json:"members,omitempty"`
	Owners    []string `yaml:"owners,omitempty" json:"owners,omitempty"`
	Mailboxes []string `yaml:"mailboxes,omitempty" json:"mailboxes,omitempty"`
}

// Address is one departmental address: a group delivering to its targets.
type Address struct {
	Address     string   `yaml:"address" json:"address"`
	DisplayName string   `yaml:"displayName,omitempty" json:"displayName,omitempty"`
	Targets     []string `yaml:"targets" json:"targets"`
	SendAs      []string `yaml:"sendAs,omitempty" json:"sendAs,omitempty"`
	// External: the address receives mail from outside the tenant.
	External bool `yaml:"external,omitempty" json:"external,omitempty"`
}

// CutoverSpec is the on-premises server to replace.
type CutoverSpec struct {
	Domain       string           `yaml:"domain" json:"domain"`
	LegacyMX     string           `yaml:"legacyMX" json:"legacyMX"`
	LegacyMXTTL  Duration         `yaml:"legacyMXTTL,omitempty" json:"legacyMXTTL,omitempty"`
	LegacySPF    string           `yaml:"legacySPF,omitempty" json:"legacySPF,omitempty"`
	Admin        string           `yaml:"admin" json:"admin"`
	Users        []Person         `yaml:"users" json:"users"`
	Departments  []CutoverAddress `yaml:"departments,omitempty" json:"departments,omitempty"`
	ParallelRun  Duration         `yaml:"parallelRun,omitempty" json:"parallelRun,omitempty"`
	Decommission Duration         `yaml:"decommission,omitempty" json:"decommission,omitempty"`
}

// CutoverAddress is a shared department address.
type CutoverAddress struct {
	Address     string   `yaml:"address" json:"address"`
	DisplayName string   `yaml:"displayName,omitempty" json:"displayName,omitempty"`
	Members     []string `yaml:"members" json:"members"`
	External    bool     `yaml:"external,omitempty" json:"external,omitempty"`
}

// ListDomainSpec is the mailing-list domain.
type ListDomainSpec struct {
	Domain        string   `yaml:"domain" json:"domain"`
	ListServer    string   `yaml:"listServer" json:"listServer"`
	ListServerIPs []string `yaml:"listServerIPs" json:"listServerIPs"`
	LegacyMX      string   `yaml:"legacyMX" json:"legacyMX"`
	// LegacyMXTTL is the TTL of the legacy MX record (default 1h).
	LegacyMXTTL Duration `yaml:"legacyMXTTL,omitempty" json:"legacyMXTTL,omitempty"`
	// LegacySPF is the domain's SPF record today, replaced at the switch.
	LegacySPF string `yaml:"legacySPF,omitempty" json:"legacySPF,omitempty"`
	Lists     []List `yaml:"lists,omitempty" json:"lists,omitempty"`
}

// List is one mailing list and its subscribers.
type List struct {
	Address     string   `yaml:"address" json:"address"`
	Subscribers []string `yaml:"subscribers" json:"subscribers"`
}

// Devices send without authentication through the device relay.
type Devices struct {
	Networks     []string `yaml:"networks" json:"networks"`
	RelayAccount string   `yaml:"relayAccount" json:"relayAccount"`
}

// Zone is a legacy DNS zone: records inline, or an RFC 1035 zone file.
type Zone struct {
	Origin  string   `yaml:"origin" json:"origin"`
	File    string   `yaml:"file,omitempty" json:"file,omitempty"`
	Records []string `yaml:"records,omitempty" json:"records,omitempty"`
}

// Traffic is what the simulator sends.
type Traffic struct {
	// PerHour messages per hour across all addresses; Duration how long.
	PerHour  float64  `yaml:"perHour,omitempty" json:"perHour,omitempty"`
	Duration Duration `yaml:"duration,omitempty" json:"duration,omitempty"`
}
