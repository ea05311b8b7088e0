package graphserver

import (
	"net/http"
	"slices"
	"strings"

	"github.com/mailops-dev/mailops/mailops"
)

// graphDomain is Graph's domain resource.
type graphDomain struct {
	ID                               string   `json:"id"`
	AuthenticationType               string   `json:"authenticationType"`
	AvailabilityStatus               *string  `json:"availabilityStatus"`
	IsAdminManaged                   bool     `json:"isAdminManaged"`
	IsDefault                        bool     `json:"isDefault"`
	IsInitial                        bool     `json:"isInitial"`
	IsRoot                           bool     `json:"isRoot"`
	IsVerified                       bool     `json:"isVerified"`
	PasswordNotificationWindowInDays int      `json:"passwordNotificationWindowInDays"`
	PasswordValidityPeriodInDays     int      `json:"passwordValidityPeriodInDays"`
	SupportedServices                []string `json:"supportedServices"`
	State                            any      `json:"state"`
}

func toGraphDomain(d mailops.Domain) graphDomain {
	svc := append([]string{}, d.SupportedServices...)
	return graphDomain{ID: d.Name, AuthenticationType: "Managed", IsAdminManaged: true, IsRoot: true, IsVerified: d.Verified,
		PasswordNotificationWindowInDays: 14, PasswordValidityPeriodInDays: 2147483647, SupportedServices: svc}
}

// dnsRecord renders a record as a domainDnsRecord subtype; Graph labels are
// fully qualified.
func dnsRecord(domain string, i int, kind string, r mailops.DNSRecord) map[string]any {
	label := domain
	if r.Label != "" && r.Label != "@" {
		label = r.Label + "." + domain
	}
	m := map[string]any{
		"id": objectID("dns-"+kind, domain+"/"+string(rune('a'+i))), "isOptional": r.Optional, "label": label,
		"supportedService": "Email", "ttl": r.TTL,
	}
	switch strings.ToUpper(r.Type) {
	case "TXT":
		m["@odata.type"], m["recordType"], m["text"] = "#microsoft.graph.domainDnsTxtRecord", "Txt", r.Value
	case "MX":
		m["@odata.type"], m["recordType"], m["mailExchange"], m["preference"] = "#microsoft.graph.domainDnsMxRecord", "Mx", r.Value, r.Preference
	case "CNAME":
		m["@odata.type"], m["recordType"], m["canonicalName"] = "#microsoft.graph.domainDnsCnameRecord", "CName", r.Value
	default:
		m["@odata.type"], m["recordType"] = "#microsoft.graph.domainDnsUnavailableRecord", "Unavailable"
	}
	return m
}

func (s *Server) serveDomains(w http.ResponseWriter, r *http.Request, parts []string) {
	ctx := r.Context()
	switch {
	case len(parts) == 0 || parts[0] == "":
		switch r.Method {
		case http.MethodGet:
			list, err := s.d.ListDomains(ctx)
			if err != nil {
				writeBackingGraphError(w, err, "")
				return
			}
			out := make([]graphDomain, len(list))
			for i, d := range list {
				out[i] = toGraphDomain(d)
			}
			writePage(w, r, s.opts.PageSize, "domains", out)
		case http.MethodPost:
			var body struct {
				ID string `json:"id"`
			}
			if err := decodeBody(r, &body); err != nil || body.ID == "" {
				writeGraphError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid request body: the property id is required")
				return
			}
			d, err := s.d.AddDomain(ctx, body.ID)
			if err != nil {
				writeBackingGraphError(w, err, "")
				return
			}
			writeJSON(w, http.StatusCreated, toGraphDomain(d))
		default:
			methodNotAllowed(w, r)
		}
		return
	}
	name := strings.ToLower(parts[0])
	sub := ""
	if len(parts) > 1 {
		sub = parts[1]
	}
	switch {
	case sub == "" && r.Method == http.MethodGet:
		d, err := s.d.GetDomain(ctx, name)
		if err != nil {
			writeBackingGraphError(w, err, "")
			return
		}
		writeJSON(w, http.StatusOK, toGraphDomain(d))
	case sub == "" && r.Method == http.MethodDelete:
		if err := s.d.RemoveDomain(ctx, name); err != nil {
			if isForbidden(err) {
				writeGraphError(w, http.StatusBadRequest, "Request_BadRequest",
					"Unable to delete the domain: objects still reference it (see domainNameReferences): "+err.Error())
				return
			}
			writeBackingGraphError(w, err, "")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case sub == "" && r.Method == http.MethodPatch:
		s.patchDomain(w, r, name)
	case sub == "verify" && r.Method == http.MethodPost:
		var body struct {
			ForceTakeover bool `json:"forceTakeover"`
		}
		if r.ContentLength != 0 {
			if err := decodeBody(r, &body); err != nil {
				writeGraphError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid request body: "+err.Error())
				return
			}
		}
		if body.ForceTakeover && !strings.HasPrefix(r.URL.Path, "/beta/") {
			// forceTakeover is a beta-only parameter of domain: verify.
			writeGraphError(w, http.StatusBadRequest, "Request_BadRequest",
				"The property 'forceTakeover' does not exist on type 'microsoft.graph.verify' in v1.0.")
			return
		}
		verify := s.d.VerifyDomain
		if body.ForceTakeover {
			verify = s.d.TakeOverDomain
		}
		d, err := verify(ctx, name)
		if err != nil {
			writeBackingGraphError(w, err, "Domain verification failed: the verification DNS record was not found")
			return
		}
		gd := toGraphDomain(d)
		avail := "AvailableImmediately"
		gd.AvailabilityStatus = &avail
		writeJSON(w, http.StatusOK, gd)
	case (sub == "verificationDnsRecords" || sub == "serviceConfigurationRecords") && r.Method == http.MethodGet:
		d, err := s.d.GetDomain(ctx, name)
		if err != nil {
			writeBackingGraphError(w, err, "")
			return
		}
		recs := d.VerificationRecords
		if sub == "serviceConfigurationRecords" {
			recs = d.ServiceRecords
		}
		out := make([]map[string]any, len(recs))
		for i, rec := range recs {
			out[i] = dnsRecord(name, i, sub, rec)
		}
		writePage(w, r, s.opts.PageSize, "domains('"+name+"')/"+sub, out)
	default:
		methodNotAllowed(w, r)
	}
}

// patchDomain is PATCH /domains/{id}: the fake supports only adding Email to
// supportedServices (the services a domain had stay: Graph replaces the
// collection, so a caller sends the old ones too).
func (s *Server) patchDomain(w http.ResponseWriter, r *http.Request, name string) {
	var body struct {
		SupportedServices []string `json:"supportedServices"`
	}
	if err := decodeBody(r, &body); err != nil {
		writeGraphError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid request body: "+err.Error())
		return
	}
	d, err := s.d.GetDomain(r.Context(), name)
	if err != nil {
		writeBackingGraphError(w, err, "")
		return
	}
	for _, old := range d.SupportedServices {
		if !slices.Contains(body.SupportedServices, old) {
			writeGraphError(w, http.StatusBadRequest, "Request_BadRequest", "The fake Graph cannot remove the supported service "+old)
			return
		}
	}
	if !slices.Contains(body.SupportedServices, "Email") {
		writeGraphError(w, http.StatusBadRequest, "Request_BadRequest", "The fake Graph can only add Email to supportedServices")
		return
	}
	if err := s.d.EnableEmail(r.Context(), name); err != nil {
		writeBackingGraphError(w, err, "The domain must be verified before its supported services can be set")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
