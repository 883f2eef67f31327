"use strict";
const out = document.getElementById("out");
function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = String(text); return e; }
function table(headers, rows) {
  const t = el("table"); const tr = el("tr"); headers.forEach(h => tr.appendChild(el("th", "", h))); t.appendChild(tr);
  rows.forEach(r => { const row = el("tr"); r.forEach(c => row.appendChild(el("td", "", c ?? ""))); t.appendChild(row); });
  return t;
}
function ctx(c) { const f = ["negated","uncertain","historical","hypothetical","family"].filter(k => c[k]); return f.length ? f.join(", ") : "affirmed"; }
function notices(safety) { (safety.notices || []).forEach(n => out.appendChild(el("div", n.severity, n.message))); }
function disclaimer(safety) { out.appendChild(el("p", "disclaimer", safety.disclaimer)); }
function heading(text) { const s = el("section"); s.appendChild(el("h2", "", text)); out.appendChild(s); return s; }
async function post(url, body, type) {
  out.replaceChildren(el("p", "", "Analysing…"));
  const r = await fetch(url, { method: "POST", body, headers: { "content-type": type } });
  const data = await r.json();
  out.replaceChildren();
  if (!r.ok) { out.appendChild(el("p", "error", `${data.error || r.status}: ${data.message || ""}`)); return null; }
  return data;
}
function renderText(d) {
  notices(d.safety);
  (d.notices || []).filter(n => n.severity !== "urgent").forEach(n => out.appendChild(el("div", "info", n.message)));
  if (d.summary && d.summary.text) { heading("Summary (from extracted facts)").appendChild(el("p", "", d.summary.text)); }
  if (d.summary && d.summary.suggested_next_steps.length) { const s = heading("Suggested next steps"); const ul = el("ul"); d.summary.suggested_next_steps.forEach(x => ul.appendChild(el("li", "", x))); s.appendChild(ul); }
  if (d.entities.length) heading("Entities").appendChild(table(["text","category","preferred","code","context","section"],
     d.entities.map(e => [e.text, e.category, e.preferred, e.code ? `${e.code_system}:${e.code}` : "", ctx(e.context), e.section])));
  if (d.medications.length) heading("Medications").appendChild(table(["name","dose","unit","route","frequency","status"],
     d.medications.map(m => [m.name, m.dose, m.unit, m.route, (m.frequency || "") + (m.as_needed ? " prn" : ""), m.status])));
  const ms = d.vitals.concat(d.labs);
  if (ms.length) heading("Vitals and labs").appendChild(table(["name","value","unit","normalised","LOINC","plausible"],
     ms.map(m => [m.name, m.value ?? m.value_text, m.unit, m.normalized_value !== null ? `${m.normalized_value} ${m.normalized_unit || ""}` : "", m.loinc, m.plausible ? "yes" : "NO"])));
  d.scores.forEach(s => {
    const sec = heading(`${s.name}: ${s.value ?? "incomplete"}${s.unit ? " " + s.unit : ""}${s.band ? " (" + s.band + ")" : ""}`);
    sec.appendChild(table(["component","value","points","evidence"], s.components.map(c => [c.name, JSON.stringify(c.value), c.points,
      c.evidence.map(e => e.text || e.note || e.source).join("; ")])));
    if (s.missing.length) sec.appendChild(el("p", "warning", "Missing: " + s.missing.join(", ")));
  });
  disclaimer(d.safety);
}
function renderImage(d) {
  notices(d.safety);
  const m = d.metadata;
  heading("Image").appendChild(el("p", "", `${m.format} ${m.modality || ""} ${m.body_part || ""} ${m.rows}×${m.columns}${m.frames > 1 ? ", " + m.frames + " frames" : ""}`));
  const q = heading(`Quality: ${d.quality.grade}`);
  q.appendChild(table(["issue","explanation","metric","value"], d.quality.issues.map(i => [i.code, i.explanation, i.metric, i.value.toFixed(3)])));
  if (d.observations.length) heading("Observations to review").appendChild(table(["observation","confidence","kind"], d.observations.map(o => [o.label, o.confidence.toFixed(2), o.kind])));
  disclaimer(d.safety);
}
document.getElementById("analyze").onclick = async () => {
  const d = await post("/v1/text/analyze", JSON.stringify({ text: document.getElementById("note").value }), "application/json");
  if (d) renderText(d);
};
document.getElementById("analyze-image").onclick = async () => {
  const f = document.getElementById("image").files[0];
  if (!f) { out.replaceChildren(el("p", "error", "Choose an image file first.")); return; }
  const d = await post("/v1/image/analyze", await f.arrayBuffer(), "application/octet-stream");
  if (d) renderImage(d);
};
