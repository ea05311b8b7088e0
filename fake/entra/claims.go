package entra

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"
)

// subject is the pairwise sub claim: the same user or service principal
// gets a different, stable subject per application
// (https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference).
func subject(oid, appID string) string {
	sum := sha256.Sum256([]byte(oid + "\x00" + appID))
	return b64(sum[:])[:43]
}

// principalOID is an app's service principal object ID.
func principalOID(a App) string {
	if a.OID != "" {
		return a.OID
	}
	sum := sha256.Sum256([]byte("sp:" + a.ClientID))
	h := fmt.Sprintf("%x", sum[:16])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// times returns iat, nbf and exp for a token issued now.
func (s *Server) times() (time.Time, map[string]any) {
	now := s.cfg.Clock.Now()
	return now, map[string]any{"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(s.cfg.TokenLifetime).Unix()}
}

// accessClaims are the claims of an access token for res, asked by client
// (public when azpacr is "0"), for user (nil: an app-only token) with
// delegated scopes scp.
func (s *Server) accessClaims(res Resource, client App, user *User, scp []string, azpacr string) map[string]any {
	_, c := s.times()
	c["tid"] = s.cfg.TenantID
	c["uti"] = b64([]byte(guid()))[:22]
	if res.V1 {
		c["ver"] = "1.0"
		c["iss"] = "https://sts.windows.net/" + s.cfg.TenantID + "/"
		c["aud"] = res.IdentifierURI
		c["appid"], c["appidacr"] = client.ClientID, azpacr
	} else {
		c["ver"] = "2.0"
		c["iss"] = s.Issuer()
		c["aud"] = res.AppID
		c["azp"], c["azpacr"] = client.ClientID, azpacr
	}
	if user == nil {
		oid := principalOID(client)
		c["oid"], c["sub"] = oid, oid
		c["idtyp"] = "app"
		if roles := rolesFor(client.Roles, res); len(roles) > 0 {
			c["roles"] = roles
		}
		return c
	}
	c["oid"] = user.OID
	c["sub"] = subject(user.OID, res.AppID)
	c["name"] = user.Name
	if res.V1 {
		c["unique_name"], c["upn"] = user.UPN, user.UPN
	} else {
		c["preferred_username"] = user.UPN
	}
	if len(scp) > 0 {
		c["scp"] = strings.Join(scp, " ")
	}
	if roles := rolesFor(user.Roles, res); len(roles) > 0 {
		c["roles"] = roles
	}
	return c
}

// idClaims are the claims of a v2.0 ID token for user signing in to client.
func (s *Server) idClaims(client App, user User, nonce string) map[string]any {
	_, c := s.times()
	c["ver"] = "2.0"
	c["iss"] = s.Issuer()
	c["aud"] = client.ClientID
	c["tid"] = s.cfg.TenantID
	c["oid"] = user.OID
	c["sub"] = subject(user.OID, client.ClientID)
	c["name"] = user.Name
	c["preferred_username"] = user.UPN
	if nonce != "" {
		c["nonce"] = nonce
	}
	if roles := rolesFor(user.Roles, Resource{AppID: client.ClientID}); len(roles) > 0 {
		c["roles"] = roles
	}
	return c
}

// Sign signs any claims with the tenant's key (header typ JWT, alg RS256,
// kid), for tests of token validation.
func (s *Server) Sign(claims map[string]any) (string, error) { return s.keys.sign(claims) }

// AppToken mints the access token the client-credentials grant gives
// clientID for resource (its AppID or IdentifierURI), without HTTP: how a
// lab hands Graph tokens to its own parts.
func (s *Server) AppToken(clientID, resource string) (string, error) {
	app, ok := s.cfg.app(clientID)
	if !ok {
		return "", errAppNotFound(clientID, s.cfg.TenantID)
	}
	res, ok := s.cfg.resource(resource)
	if !ok {
		return "", errResource(resource, s.cfg.TenantID)
	}
	return s.keys.sign(s.accessClaims(res, app, nil, nil, "1"))
}

// UserToken mints the access token a user (by OID or UPN) would get for
// resource after signing in to the resource's own application (azp the
// resource's AppID, a public client), with the resource's scopes: the
// ready bearer tokens of a demo.
func (s *Server) UserToken(user, resource string) (string, error) {
	res, ok := s.cfg.resource(resource)
	if !ok {
		return "", errResource(resource, s.cfg.TenantID)
	}
	u, ok := s.cfg.user(user)
	if !ok {
		for _, c := range s.cfg.Users {
			if strings.EqualFold(c.UPN, user) {
				u, ok = c, true
			}
		}
	}
	if !ok {
		return "", errUser(user)
	}
	return s.keys.sign(s.accessClaims(res, App{ClientID: res.AppID}, &u, res.Scopes, "0"))
}
