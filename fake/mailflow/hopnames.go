package mailflow

import (
	"strings"

	"github.com/mailops-dev/mailops/fake"
)

// hopKey names a trail hop by its kind and subject ("group", an address).
type hopKey struct{ kind, subject string }

// hop returns the trail hop kind+":"+subject, made once per hop name: a busy
// world names the same few hops millions of times.
func (w *World) hopName(kind, subject string) string {
	k := hopKey{kind, subject}
	if h, ok := w.hopNames[k]; ok {
		return h
	}
	h := kind + ":" + subject
	if len(w.hopNames) < maxInterned {
		if w.hopNames == nil {
			w.hopNames = map[hopKey]string{}
		}
		w.hopNames[k] = h
	}
	return h
}

// exoHop is the trail hop of Exchange Online inside tenant t ("exo:ours").
func (w *World) exoHop(t *fake.Tenant) string { return w.hopName("exo", t.Name()) }

// maxInterned bounds each table of names made once (hop names, host names):
// the names come from the world's configuration, but a lab's outside clients
// could bring many more; past the bound, names are made per use.
const maxInterned = 1 << 16

// hostInfo is what the world works out from a host name, once per name.
type hostInfo struct {
	norm    string // lower case, no trailing dot
	exoHost bool   // reaches Exchange Online (isEXOHost)
	exoName bool   // has the shape of an Exchange Online MX host (isEXOName)
}

// hostInfoOf returns the host name's hostInfo.
func (w *World) hostInfoOf(name string) hostInfo {
	if hi, ok := w.hostInfos[name]; ok {
		return hi
	}
	norm := strings.ToLower(strings.TrimSuffix(name, "."))
	hi := hostInfo{norm: norm, exoHost: isEXOHost(norm), exoName: isEXOName(norm)}
	if len(w.hostInfos) < maxInterned {
		if w.hostInfos == nil {
			w.hostInfos = map[string]hostInfo{}
		}
		w.hostInfos[name] = hi
	}
	return hi
}
