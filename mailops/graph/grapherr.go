package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/mailops-dev/mailops/mailops"
	"github.com/mailops-dev/mailops/mailops/graph/internal/wire"
)

// graphErr maps an error of a Graph SDK call onto the driver's errors. on400
// classifies a 400 by its code and message for this call (nil: by message
// alone).
func (d *Driver) graphErr(ctx context.Context, op string, err error, on400 func(code, msg string) error) error {
	if err == nil {
		return nil
	}
	var se *ServiceError
	var re *ResponseError
	if errors.As(err, &se) || errors.As(err, &re) {
		return err
	}
	if errors.Is(err, mailops.ErrForbidden) || errors.Is(err, mailops.ErrUnavailable) {
		return err // from the token source
	}
	if ctx.Err() != nil {
		return fmt.Errorf("graph: Graph %s: %w", op, ctx.Err())
	}
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		code, msg := "", ""
		if me := oe.GetErrorEscaped(); me != nil {
			if me.GetCode() != nil {
				code = *me.GetCode()
			}
			if me.GetMessage() != nil {
				msg = *me.GetMessage()
			}
		}
		return d.serviceErr(op, oe.GetStatusCode(), headersOf(oe.GetResponseHeaders()), code, msg, on400)
	}
	var ae *abs.ApiError
	if errors.As(err, &ae) {
		return d.serviceErr(op, ae.ResponseStatusCode, headersOf(ae.ResponseHeaders), "", ae.Message, on400)
	}
	return transportError("Graph", op, err)
}

func (d *Driver) serviceErr(op string, status int, h http.Header, code, msg string, on400 func(code, msg string) error) error {
	var kind error
	if status == http.StatusBadRequest && on400 != nil {
		kind = on400(code, msg)
	}
	if kind == nil {
		switch code {
		case "Request_ResourceNotFound", "ResourceNotFound", "ErrorItemNotFound":
			if status == http.StatusNotFound || status == http.StatusBadRequest {
				kind = mailops.ErrNotFound
			}
		case "Authorization_RequestDenied", "InvalidAuthenticationToken", "Authorization_IdentityNotFound":
			kind = mailops.ErrForbidden
		}
	}
	if kind == nil {
		kind = wire.Classify(op, status, h, msg, d.now)
	}
	return &ServiceError{Service: "Graph", Op: op, Status: status, Code: code, Message: msg, Err: kind}
}

// noObject is the error for a Graph SDK call that returned neither an
// object nor an error: a success reply without a body (a 204, or an empty
// 200) where the object was expected. The request may have been applied.
func noObject(op string) error {
	return &ResponseError{Service: "Graph", Op: op, Reason: "a success reply without the object (no body)", Err: mailops.ErrUnavailable}
}

func headersOf(rh *abs.ResponseHeaders) http.Header {
	h := http.Header{}
	if rh == nil {
		return h
	}
	for _, k := range rh.ListKeys() {
		for _, v := range rh.Get(k) {
			h.Add(k, v)
		}
	}
	return h
}
