package mailflow

import (
	"strings"

	"github.com/mailops-dev/mailops/fake"
)

// hop returns the trail hop kind+":"+subject, made once per hop name: a busy
// world names the same few hops millions of times. The table is by kind,
// then by subject: a handful of kinds (a small map, compared without
// hashing) over string-keyed maps, which hash faster than a struct key.
func (w *World) hopName(kind, subject string) string {
	byKind := w.hopNames[kind]
	if h, ok := byKind[subject]; ok {
		return h
	}
	h := kind + ":" + subject
	if w.hopNamesN < maxInterned {
		if byKind == nil {
			if w.hopNames == nil {
				w.hopNames = map[string]map[string]string{}
			}
			byKind = map[string]string{}
			w.hopNames[kind] = byKind
		}
		byKind[subject] = h
		w.hopNamesN++
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
