package mailops

import "context"

// AddDomain adds a domain to the tenant (it becomes an accepted domain once
// verified). Exchange Online has no New-AcceptedDomain: the domain is added
// through Microsoft 365 (Graph).
type AddDomain struct {
	Name string
}

// Validate checks the name.
func (o AddDomain) Validate() error { return Domain{Name: o.Name}.Validate() }

// Describe says what the operation does.
func (o AddDomain) Describe() string { return "add domain " + o.Name + " to the tenant" }

// PowerShell renders the Microsoft Graph PowerShell command.
func (o AddDomain) PowerShell() []string {
	return []string{"New-MgDomain -BodyParameter @{ Id = " + psQuote(o.Name) + " }"}
}

// Check reports Done when the tenant already has the domain.
func (o AddDomain) Check(ctx context.Context, d Driver) (Status, error) {
	_, err := d.GetDomain(ctx, o.Name)
	return createStatus(err, func() bool { return true }, "domain "+o.Name, nil, nil)
}

// Apply adds the domain.
func (o AddDomain) Apply(ctx context.Context, d Driver) error {
	_, err := d.AddDomain(ctx, o.Name)
	return err
}

// VerifyDomain proves ownership of an added domain.
type VerifyDomain struct {
	Name string
}

// Validate checks the name.
func (o VerifyDomain) Validate() error { return Domain{Name: o.Name}.Validate() }

// Describe says what the operation does.
func (o VerifyDomain) Describe() string { return "verify ownership of " + o.Name }

// PowerShell renders the Microsoft Graph PowerShell command.
func (o VerifyDomain) PowerShell() []string {
	return []string{"Confirm-MgDomain -DomainId " + psQuote(o.Name)}
}

// Check reports Done when the domain is verified; the domain must exist.
func (o VerifyDomain) Check(ctx context.Context, d Driver) (Status, error) {
	dom, err := d.GetDomain(ctx, o.Name)
	found, err := absentOrErr(err)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, conflict("domain "+o.Name, "present", "absent")
	}
	if dom.Verified {
		return Done, nil
	}
	return Ready, nil
}

// Apply verifies the domain.
func (o VerifyDomain) Apply(ctx context.Context, d Driver) error {
	_, err := d.VerifyDomain(ctx, o.Name)
	return err
}

// SetDomainType is Set-AcceptedDomain -DomainType.
type SetDomainType struct {
	Name string
	Type DomainType
	// From is the type observed when the plan was made; "" means any.
	From DomainType
}

// Validate checks the name and type.
func (o SetDomainType) Validate() error {
	if err := (Domain{Name: o.Name, Type: o.Type}).Validate(); err != nil {
		return err
	}
	return o.Type.Validate()
}

// Describe says what the operation does.
func (o SetDomainType) Describe() string {
	return "make " + o.Name + " " + string(o.Type)
}

// PowerShell renders the cmdlet.
func (o SetDomainType) PowerShell() []string {
	return []string{cmdlet("Set-AcceptedDomain").str("Identity", o.Name).arg("DomainType", string(o.Type)).String()}
}

// Check compares the domain's type with Type and From.
func (o SetDomainType) Check(ctx context.Context, d Driver) (Status, error) {
	dom, err := d.GetDomain(ctx, o.Name)
	found, err := absentOrErr(err)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, conflict("domain "+o.Name, "present", "absent")
	}
	if dom.Type == o.Type {
		return Done, nil
	}
	if o.From != "" && dom.Type != o.From {
		return 0, conflict("domain "+o.Name, "type "+string(o.From), "type "+string(dom.Type))
	}
	return Ready, nil
}

// Apply sets the type.
func (o SetDomainType) Apply(ctx context.Context, d Driver) error {
	return d.SetDomainType(ctx, o.Name, o.Type)
}

// RemoveDomain removes a domain from the tenant.
type RemoveDomain struct {
	Name string
}

// Validate checks the name.
func (o RemoveDomain) Validate() error { return Domain{Name: o.Name}.Validate() }

// Describe says what the operation does.
func (o RemoveDomain) Describe() string { return "remove domain " + o.Name + " from the tenant" }

// PowerShell renders the Microsoft Graph PowerShell command.
func (o RemoveDomain) PowerShell() []string {
	return []string{"Remove-MgDomain -DomainId " + psQuote(o.Name)}
}

// Check reports Done when the domain is gone.
func (o RemoveDomain) Check(ctx context.Context, d Driver) (Status, error) {
	_, err := d.GetDomain(ctx, o.Name)
	return goneStatus(err)
}

// Apply removes the domain.
func (o RemoveDomain) Apply(ctx context.Context, d Driver) error {
	return d.RemoveDomain(ctx, o.Name)
}

// TakeOverDomain takes a domain over from an unmanaged (self-service) tenant
// (Entra's external admin takeover: verification with forceTakeover).
type TakeOverDomain struct {
	Name string
}

// Validate checks the name.
func (o TakeOverDomain) Validate() error { return Domain{Name: o.Name}.Validate() }

// Describe says what the operation does.
func (o TakeOverDomain) Describe() string {
	return "take " + o.Name + " over from the unmanaged tenant that holds it"
}

// PowerShell renders the Microsoft Graph PowerShell command
// (learn.microsoft.com/entra/identity/users/domains-admin-takeover).
func (o TakeOverDomain) PowerShell() []string {
	return []string{"Confirm-MgDomain -DomainId " + psQuote(o.Name) + " -BodyParameter @{ forceTakeover = $true }"}
}

// Check reports Done when the domain is verified here.
func (o TakeOverDomain) Check(ctx context.Context, d Driver) (Status, error) {
	return VerifyDomain(o).Check(ctx, d)
}

// Apply takes the domain over.
func (o TakeOverDomain) Apply(ctx context.Context, d Driver) error {
	_, err := d.TakeOverDomain(ctx, o.Name)
	return err
}
