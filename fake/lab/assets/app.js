"use strict";
const $ = (id) => document.getElementById(id);
const text = (el, s) => { el.textContent = s; return el; };

async function api(path, body) {
  const opts = body ? { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) } : {};
  const r = await fetch(path, opts);
  if (!r.ok) { throw new Error(await r.text()); }
  return r.json();
}

async function act(a) {
  try {
    const got = await api("/api/action", a);
    text($("actionresult"), "done: " + got.op + " at " + got.at);
  } catch (e) {
    text($("actionresult"), "refused: " + e.message);
  }
  await state();
}

async function state() {
  const s = await api("/api/state");
  text($("title"), s.title);
  text($("now"), s.now);
  text($("clock"), s.clock);
  text($("seed"), String(s.seed));
  text($("error"), s.error || "");
  text($("ports"), JSON.stringify(s.ports, null, 2));
  const hosts = $("fhost");
  if (hosts.options.length === 0) {
    for (const role of Object.keys(s.Roles).sort()) {
      const o = document.createElement("option");
      o.value = role; o.textContent = role + " (" + s.Roles[role] + ")";
      hosts.appendChild(o);
    }
  }
  const hints = $("hints");
  hints.replaceChildren();
  for (const h of s.hints || []) { hints.appendChild(text(document.createElement("li"), h)); }
}

function stream() {
  const es = new EventSource("/api/events");
  es.addEventListener("entry", (ev) => {
    const e = JSON.parse(ev.data);
    const li = document.createElement("li");
    li.className = e.kind;
    li.dataset.seq = e.seq;
    text(li, e.at.replace("T", " ").replace("Z", "") + "  [" + e.kind + "] " + e.text);
    $("timeline").appendChild(li);
  });
}

async function grade() {
  const g = await api("/api/grade");
  const v = $("verdict");
  text(v, g.verdict + (g.noLoss ? " (nothing lost)" : " (mail was lost, bounced or looped)"));
  v.className = g.pass ? "pass" : "fail";
  const ul = $("checks");
  ul.replaceChildren();
  for (const c of g.checks) {
    const li = text(document.createElement("li"), c.status + ": " + c.name + " — " + c.detail);
    li.className = c.status;
    ul.appendChild(li);
  }
  const o = g.oracle;
  text($("oracle"), "sent " + o.sent + ", delivered " + o.delivered + ", bounced " + o.bounced + ", lost " + o.lost +
    ", looped " + o.looped + ", misdelivered " + o.misdelivered + ", in flight " + g.inFlight +
    (o.violations ? "\n" + o.violations.slice(0, 20).map((x) => "message " + x.msg + " to " + x.to + ": " + x.class + ": " + x.cause).join("\n") : ""));
}

async function refresh() {
  const led = await api("/api/ledger?problems=1&limit=50");
  const div = $("ledger");
  div.replaceChildren();
  for (const m of led || []) {
    const d = document.createElement("details");
    d.appendChild(text(document.createElement("summary"), "message " + m.ID + " from " + m.From + " to " + (m.To || []).join(", ")));
    d.appendChild(text(document.createElement("pre"), (m.events || []).map((e) =>
      e.at + " " + e.kind + " " + e.orig + " " + (e.host || "") + " " + (e.mailbox || "") + " " + (e.reply || "") + " " + (e.detail || "")).join("\n")));
    div.appendChild(d);
  }
  const mbs = await api("/api/mailboxes");
  const t = $("mailboxes");
  t.replaceChildren();
  for (const r of mbs || []) {
    const tr = document.createElement("tr");
    for (const c of [r.mailbox, r.imapUser, String(r.delivered)]) { tr.appendChild(text(document.createElement("td"), c)); }
    t.appendChild(tr);
  }
  text($("tenant"), JSON.stringify(await api("/api/tenant"), null, 1));
}

for (const b of document.querySelectorAll("[data-advance]")) {
  b.addEventListener("click", () => act({ op: "advance", duration: b.dataset.advance }));
}
$("setclock").addEventListener("click", () => act({ op: "clock", clock: $("clockmode").value }));
$("migrate").addEventListener("click", () => act({ op: "migrate" }));
$("probe").addEventListener("click", () => act({ op: "probe" }));
$("stoplegacy").addEventListener("click", () => act({ op: "stop-legacy" }));
$("throttle").addEventListener("click", () => act({ op: "throttle", count: 5, duration: "30s" }));
$("faultform").addEventListener("submit", (ev) => {
  ev.preventDefault();
  act({ op: "smtp-fault", host: $("fhost").value, stage: $("fstage").value, rcpt: $("frcpt").value,
    count: Number($("fcount").value), code: Number($("fcode").value) });
});
$("gradebtn").addEventListener("click", grade);
$("refresh").addEventListener("click", refresh);
state();
stream();
setInterval(state, 2000);
