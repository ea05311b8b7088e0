package graphserver_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mailops-dev/mailops/fake"
	"github.com/mailops-dev/mailops/fake/graphserver"
	"github.com/mailops-dev/mailops/fake/sim"
)

func newServer(t *testing.T, pageSize int) (*fake.Tenant, *graphserver.Server, *httptest.Server) {
	t.Helper()
	s := sim.New(1)
	cloud := fake.NewCloud(s, s.Rand("cloud"), fake.DefaultCloudConfig())
	tenant := cloud.NewTenant("contoso", fake.InstantTenantConfig())
	srv := graphserver.New(tenant.Driver("admin"), graphserver.Options{Token: "tok", PageSize: pageSize})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); s.Close() })
	return tenant, srv, hs
}

func do(t *testing.T, method, url, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var m map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &m), "body %s", raw)
	}
	return resp.StatusCode, resp.Header, m
}

func invoke(cmdlet string, params map[string]any) string {
	b, _ := json.Marshal(map[string]any{"CmdletInput": map[string]any{"CmdletName": cmdlet, "Parameters": params}})
	return string(b)
}

func TestGraphDomainsPageWithNextLink(t *testing.T) {
	_, _, hs := newServer(t, 2)
	for _, d := range []string{"a.example", "b.example", "c.example"} {
		st, _, body := do(t, "POST", hs.URL+"/v1.0/domains", "tok", `{"id":"`+d+`"}`)
		require.Equal(t, http.StatusCreated, st, "%v", body)
		assert.Equal(t, d, body["id"])
		assert.Equal(t, false, body["isVerified"])
	}
	st, _, body := do(t, "GET", hs.URL+"/v1.0/domains", "tok", "")
	require.Equal(t, http.StatusOK, st)
	assert.Len(t, body["value"], 2)
	next, ok := body["@odata.nextLink"].(string)
	require.True(t, ok, "a first page of two of three has a nextLink: %v", body)
	st, _, body = do(t, "GET", next, "tok", "")
	require.Equal(t, http.StatusOK, st)
	assert.Len(t, body["value"], 1)
	assert.NotContains(t, body, "@odata.nextLink")

	st, _, body = do(t, "GET", hs.URL+"/v1.0/domains/a.example/verificationDnsRecords", "tok", "")
	require.Equal(t, http.StatusOK, st)
	recs := body["value"].([]any)
	require.NotEmpty(t, recs)
	txt := recs[0].(map[string]any)
	assert.Equal(t, "#microsoft.graph.domainDnsTxtRecord", txt["@odata.type"])
	assert.True(t, strings.HasPrefix(txt["text"].(string), "MS=ms"))

	st, _, body = do(t, "GET", hs.URL+"/v1.0/domains/missing.example", "tok", "")
	assert.Equal(t, http.StatusNotFound, st)
	assert.Equal(t, "Request_ResourceNotFound", body["error"].(map[string]any)["code"])
}

func TestGraphRefusesDistributionGroupWrites(t *testing.T) {
	_, _, hs := newServer(t, 100)
	for _, r := range []struct{ method, path string }{
		{"POST", "/v1.0/groups"}, {"PATCH", "/v1.0/groups/x"}, {"POST", "/v1.0/groups/x/members/$ref"}, {"DELETE", "/v1.0/groups/x"},
	} {
		st, _, body := do(t, r.method, hs.URL+r.path, "tok", `{}`)
		assert.Equal(t, http.StatusBadRequest, st, r.path)
		e := body["error"].(map[string]any)
		assert.Equal(t, "Request_BadRequest", e["code"])
		assert.Equal(t, "Cannot Update a mail-enabled security groups and or distribution list.", e["message"])
		assert.Contains(t, e, "innerError")
	}
}

func TestInvokeCommandShapesAndErrors(t *testing.T) {
	_, srv, hs := newServer(t, 100)
	url := hs.URL + "/adminapi/beta/" + graphserver.DefaultTenantID + "/InvokeCommand"
	st, _, body := do(t, "POST", url, "tok", invoke("New-OutboundConnector", map[string]any{
		"Name": "To dept", "ConnectorType": "OnPremises", "RecipientDomains": []string{"dept.example"},
		"SmartHosts": []string{"mx.dept.example"}, "UseMXRecord": false, "Enabled": true}))
	require.Equal(t, http.StatusOK, st, "%v", body)
	st, _, body = do(t, "POST", url, "tok", invoke("Get-OutboundConnector", map[string]any{"Identity": "To dept"}))
	require.Equal(t, http.StatusOK, st)
	c := body["value"].([]any)[0].(map[string]any)
	assert.Equal(t, []any{"mx.dept.example"}, c["SmartHosts"])
	assert.Equal(t, false, c["UseMXRecord"])
	assert.Equal(t, "OnPremises", c["ConnectorType"])

	// Errors as the service sends them: a generic message, the reason in
	// details[].message as "ExNNNNNN|<exception type>|<text>".
	detail := func(body map[string]any) string {
		e := body["error"].(map[string]any)
		assert.Equal(t, "Error executing cmdlet", e["message"])
		ds := e["details"].([]any)
		require.Len(t, ds, 1)
		return ds[0].(map[string]any)["message"].(string)
	}
	st, _, body = do(t, "POST", url, "tok", invoke("Get-OutboundConnector", map[string]any{"Identity": "nothing"}))
	assert.Equal(t, http.StatusInternalServerError, st)
	assert.Regexp(t, `^Ex[0-9A-F]{6}\|Microsoft\.Exchange\.Configuration\.Tasks\.ManagementObjectNotFoundException\|The operation couldn't be performed because object 'nothing' couldn't be found`, detail(body))

	st, _, body = do(t, "POST", url, "tok", invoke("Get-OutboundConnector", map[string]any{"Bogus": 1}))
	assert.Equal(t, http.StatusBadRequest, st)
	assert.Regexp(t, `^Ex[0-9A-F]{6}\|System\.Management\.Automation\.ParameterBindingException\|A parameter cannot be found that matches parameter name 'Bogus'\.$`, detail(body))

	// New-MailUser -PrimarySmtpAddress is documented as on-premises only;
	// Set-MailUser has no forwarding parameters.
	for _, c := range []struct {
		cmdlet, param string
		ps            map[string]any
	}{
		{"New-MailUser", "PrimarySmtpAddress", map[string]any{"Name": "x", "ExternalEmailAddress": "x@ext.example", "PrimarySmtpAddress": "x@contoso.example"}},
		{"Set-MailUser", "ForwardingSmtpAddress", map[string]any{"Identity": "x@contoso.example", "ForwardingSmtpAddress": "smtp:y@ext.example"}},
	} {
		st, _, body = do(t, "POST", url, "tok", invoke(c.cmdlet, c.ps))
		assert.Equal(t, http.StatusBadRequest, st, c.cmdlet)
		assert.Contains(t, detail(body), "ParameterBindingException|A parameter cannot be found that matches parameter name '"+c.param+"'.", c.cmdlet)
	}

	st, _, body = do(t, "POST", url, "tok", invoke("New-AcceptedDomain", nil))
	assert.Equal(t, http.StatusBadRequest, st, "New-AcceptedDomain is on-premises only")
	assert.Contains(t, detail(body), "CommandNotFoundException|The term 'New-AcceptedDomain' is not recognized")

	st, _, _ = do(t, "POST", url, "tok", `{"CmdletInput":`)
	assert.Equal(t, http.StatusBadRequest, st, "a malformed envelope")
	st, _, _ = do(t, "POST", url, "", invoke("Get-RemoteDomain", nil))
	assert.Equal(t, http.StatusUnauthorized, st)
	st, _, body = do(t, "POST", url, "tok", invoke("Get-RemoteDomain", nil))
	assert.Equal(t, http.StatusOK, st, "still serving after bad requests")
	assert.Equal(t, "Default", body["value"].([]any)[0].(map[string]any)["Name"])
	assert.Contains(t, srv.Requests(), "EXO Get-RemoteDomain")
}

func TestFaults(t *testing.T) {
	_, srv, hs := newServer(t, 100)
	url := hs.URL + "/adminapi/beta/" + graphserver.DefaultTenantID + "/InvokeCommand"
	srv.InjectFault(graphserver.Fault{Match: "EXO Get-RemoteDomain", Kind: graphserver.Throttle})
	st, h, _ := do(t, "POST", url, "tok", invoke("Get-RemoteDomain", nil))
	assert.Equal(t, http.StatusTooManyRequests, st)
	assert.Equal(t, "1", h.Get("Retry-After"))

	srv.InjectFault(graphserver.Fault{Match: "GET /v1.0/domains", Kind: graphserver.TruncatedBody})
	resp, err := http.DefaultClient.Do(mustReq(t, "GET", hs.URL+"/v1.0/domains"))
	require.NoError(t, err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.False(t, json.Valid(raw), "a truncated body: %s", raw)

	srv.InjectFault(graphserver.Fault{Match: "GET /v1.0/users", Kind: graphserver.BadGatewayHTML})
	resp, err = http.DefaultClient.Do(mustReq(t, "GET", hs.URL+"/v1.0/users"))
	require.NoError(t, err)
	raw, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.True(t, bytes.Contains(raw, []byte("<title>502 Bad Gateway</title>")))
}

func mustReq(t *testing.T, method, url string) *http.Request {
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer tok")
	return req
}
