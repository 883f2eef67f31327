"use strict";
// medassist web page: everything is built with textContent (never innerHTML), from this
// server's answers only. The API key, when the server asks for one, lives in sessionStorage.
const KEY_STORE = "medassist.apiKey";
const $ = (id) => document.getElementById(id);
let imageFile = null;
let pendingKey = null;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function table(headers, rows) {
  const t = el("table"); const tr = el("tr");
  headers.forEach((h) => tr.appendChild(el("th", "", h))); t.appendChild(tr);
  rows.forEach((r) => { const row = el("tr"); r.forEach((c) => row.appendChild(el("td", "", c ?? ""))); t.appendChild(row); });
  return t;
}
function setStatus(text, isError) { const s = $("status"); s.textContent = text || ""; s.className = isError ? "error" : ""; }

// ---- API calls (with the key when the server wants one) ----
function askForKey() {
  $("auth").hidden = false; $("api-key").focus();
  return new Promise((resolve) => { pendingKey = resolve; });
}
$("auth-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const key = $("api-key").value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY_STORE, key);
  $("auth").hidden = true; $("api-key").value = "";
  if (pendingKey) { const r = pendingKey; pendingKey = null; r(key); }
});
async function api(url, init, retried) {
  const headers = Object.assign({}, init.headers || {});
  const key = sessionStorage.getItem(KEY_STORE);
  if (key) headers["X-API-Key"] = key;
  const r = await fetch(url, Object.assign({}, init, { headers }));
  if (r.status === 401 && !retried) {
    sessionStorage.removeItem(KEY_STORE);
    setStatus("This server needs an API key.", true);
    await askForKey();
    setStatus("Analysing…");
    return api(url, init, true);
  }
  let data = null;
  try { data = await r.json(); } catch (e) { data = { error: String(r.status), message: "the server did not answer JSON" }; }
  if (!r.ok) throw new Error(`${data.error || r.status}: ${data.message || ""}`);
  return data;
}
function textRequest(note, fhir) {
  return api("/v1/text/analyze" + (fhir ? "?format=fhir" : ""), {
    method: "POST", body: JSON.stringify({ text: note }), headers: { "content-type": "application/json" },
  });
}
function imageRequest(file, fhir) {
  const form = new FormData(); form.append("file", file, "upload");  // never send the file name
  return api("/v1/image/analyze" + (fhir ? "?format=fhir" : ""), { method: "POST", body: form });
}

// ---- safety notices and disclaimer, on top ----
function showNotices(reports) {
  const box = $("notices"); box.replaceChildren();
  const order = { urgent: 0, warning: 1, info: 2 };
  const all = [];
  reports.forEach((d) => {
    (d.safety.notices || []).forEach((n) => all.push(n));
    (d.notices || []).forEach((n) => { if (!all.some((m) => m.message === n.message)) all.push(n); });
  });
  all.sort((a, b) => order[a.severity] - order[b.severity]);
  all.forEach((n) => { const div = el("div", `notice ${n.severity}`, n.message); div.dataset.code = n.code; box.appendChild(div); });
  if (reports.length) $("disclaimer").textContent = reports[0].safety.disclaimer;
}

// ---- the note with its entities highlighted ----
const CONTEXTS = [["negated", "negated"], ["uncertain", "possible"], ["historical", "historical"], ["family", "family"], ["hypothetical", "hypothetical"]];
function contextsOf(c) { return CONTEXTS.filter(([k]) => c && c[k]).map(([, label]) => label); }
function noteView(note, d) {
  const chars = Array.from(note);  // offsets are code points
  const spans = [];
  (d.allergens || []).forEach((a) => spans.push({ start: a.start, end: a.end, text: a.text, cat: "allergen", label: `allergy: ${a.name}`, code: "", ctx: [] }));
  d.entities.forEach((e) => spans.push({ start: e.start, end: e.end, text: e.text, cat: e.category, label: e.preferred, code: e.code ? `${e.code_system} ${e.code}` : "", ctx: contextsOf(e.context) }));
  d.medications.forEach((m) => spans.push({ start: m.start, end: m.end, text: m.text, cat: "medication", label: m.name, code: m.drugbank_id ? `DrugBank ${m.drugbank_id}` : "", ctx: contextsOf(m.context) }));
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const view = el("div", "note-view"); view.id = "note-view";
  let pos = 0;
  spans.forEach((s) => {
    if (s.start < pos) return;  // overlapping: keep the first
    if (chars.slice(s.start, s.end).join("") !== s.text) return;  // offsets do not fit this text
    view.appendChild(document.createTextNode(chars.slice(pos, s.start).join("")));
    const mark = el("mark", `ent cat-${s.cat}` + s.ctx.map((c) => ` ctx-${c}`).join(""), s.text);
    mark.dataset.context = s.ctx.join(" ") || "affirmed";
    mark.dataset.category = s.cat;
    mark.title = [s.label, s.cat, s.code, s.ctx.join(", ") || "affirmed"].filter(Boolean).join(" · ");
    view.appendChild(mark);
    if (s.ctx.length) view.appendChild(el("span", "ctx-tag", s.ctx.join(", ")));
    pos = s.end;
  });
  view.appendChild(document.createTextNode(chars.slice(pos).join("")));
  return view;
}
function legend() {
  const p = el("p", "legend");
  [["ent", "affirmed"], ["ent ctx-negated", "negated"], ["ent ctx-possible", "possible"], ["ent ctx-historical", "historical"], ["ent ctx-family", "family"], ["ent cat-medication", "medication"], ["ent cat-allergen", "allergy"]]
    .forEach(([cls, label]) => { const s = el("span"); s.appendChild(el("mark", cls, label)); p.appendChild(s); });
  return p;
}

function download(name, data, type) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type });
  const a = el("a"); a.href = URL.createObjectURL(blob); a.download = name;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
function downloads(kind, report, fhirFetch) {
  const box = el("div", "downloads");
  const json = el("button", "", "Download JSON"); json.id = `download-${kind}-json`; json.type = "button";
  json.onclick = () => download(`medassist-${kind}.json`, report, "application/json");
  const fhir = el("button", "", "Download FHIR"); fhir.id = `download-${kind}-fhir`; fhir.type = "button";
  fhir.onclick = async () => {
    try { download(`medassist-${kind}.fhir.json`, await fhirFetch(), "application/fhir+json"); }
    catch (e) { setStatus(e.message, true); }
  };
  box.append(json, fhir);
  return box;
}

function renderText(note, d) {
  const out = $("text-result"); out.replaceChildren(); out.hidden = false;
  out.appendChild(el("h2", "", "Note"));
  const allergens = (d.allergens || []).map((a) => a.name);
  const allergy = el("p", "allergies", allergens.length ? `Allergies (from the note): ${allergens.join(", ")}` : "Allergies: none found in the note — check the record");
  allergy.id = "allergies"; out.appendChild(allergy);
  out.appendChild(legend());
  out.appendChild(noteView(note, d));
  if (d.summary && d.summary.text) { out.appendChild(el("h3", "", "Summary (from the extracted facts)")); out.appendChild(el("p", "", d.summary.text)); }
  if (d.summary && d.summary.suggested_next_steps.length) {
    out.appendChild(el("h3", "", "Suggested next steps (for the clinician to consider)"));
    const ul = el("ul"); d.summary.suggested_next_steps.forEach((x) => ul.appendChild(el("li", "", x))); out.appendChild(ul);
  }
  if (d.entities.length) {
    out.appendChild(el("h3", "", "Findings and conditions"));
    out.appendChild(table(["text", "category", "preferred", "code", "context", "section"],
      d.entities.map((e) => [e.text, e.category, e.preferred, e.code ? `${e.code_system}:${e.code}` : "", contextsOf(e.context).join(", ") || "affirmed", e.section])));
  }
  if (d.medications.length) {
    out.appendChild(el("h3", "", "Medications"));
    out.appendChild(table(["name", "dose", "unit", "route", "frequency", "status"],
      d.medications.map((m) => [m.name, m.dose, m.unit, m.route, (m.frequency || "") + (m.as_needed ? " prn" : ""), m.status])));
  }
  const ms = d.vitals.concat(d.labs);
  if (ms.length) {
    out.appendChild(el("h3", "", "Vitals and labs"));
    out.appendChild(table(["name", "value", "unit", "normalised", "LOINC", "plausible"],
      ms.map((m) => [m.name, m.value ?? m.value_text, m.unit, m.normalized_value !== null ? `${m.normalized_value} ${m.normalized_unit || ""}` : "", m.loinc, m.plausible ? "yes" : "NO"])));
  }
  if (d.scores.length) out.appendChild(el("h3", "", "Scores"));
  d.scores.forEach((s) => {
    const box = el("div", "score"); box.dataset.calculator = s.calculator_id;
    box.appendChild(el("h3", "", `${s.name}: ${s.value ?? "not computed"}${s.unit ? " " + s.unit : ""}${s.band ? " (" + s.band + ")" : ""}`));
    box.appendChild(table(["input", "value", "points", "evidence"], s.components.map((c) => [c.name, JSON.stringify(c.value), c.points,
      c.evidence.map((e) => (e.text ? `“${e.text}”` : "") + (e.note ? (e.text ? " — " : "") + e.note : "") || e.source).join("; ")])));
    if (s.missing.length) box.appendChild(el("p", "missing", "Missing inputs: " + s.missing.join(", ")));
    if (s.interpretation) box.appendChild(el("p", "", s.interpretation));
    out.appendChild(box);
  });
  out.appendChild(downloads("note", d, () => textRequest(note, true)));
}

function renderImage(file, d) {
  const out = $("image-result"); out.replaceChildren(); out.hidden = false;
  out.appendChild(el("h2", "", "Image"));
  const m = d.metadata;
  if (m.format === "png" || m.format === "jpeg") {
    const img = el("img", "preview"); img.alt = "uploaded image"; img.src = URL.createObjectURL(file); out.appendChild(img);
  } else {
    out.appendChild(el("p", "", `(no preview for ${m.format.toUpperCase()} in the browser)`));
  }
  out.appendChild(el("p", "", `${m.format} ${m.modality || ""} ${m.body_part || ""} ${m.rows}×${m.columns}${m.frames > 1 ? ", " + m.frames + " frames" : ""}`));
  const q = el("h3", "", `Quality: ${d.quality.grade}`); q.id = "quality-grade"; out.appendChild(q);
  if (d.quality.issues.length) {
    out.appendChild(table(["issue", "explanation", "metric", "value"], d.quality.issues.map((i) => [i.code, i.explanation, i.metric, Number(i.value).toFixed(3)])));
  } else out.appendChild(el("p", "", "No quality issues found."));
  out.appendChild(el("h3", "", "Observations to review"));
  if (d.observations.length) {
    out.appendChild(table(["observation", "confidence", "kind"], d.observations.map((o) => [o.label, Number(o.confidence).toFixed(2), o.kind])));
  } else out.appendChild(el("p", "", d.encoder ? "No observations above the reporting threshold." : "No observations: no image encoder is configured on this server."));
  out.appendChild(downloads("image", d, () => imageRequest(file, true)));
}

// ---- input: paste a note, drop or choose an image ----
function setImage(file) {
  imageFile = file || null;
  $("image-name").textContent = imageFile ? `${imageFile.name} (${Math.round(imageFile.size / 1024)} KiB)` : "";
  $("clear-image").hidden = !imageFile;
}
const drop = $("drop");
["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (ev) => { ev.preventDefault(); drop.classList.add("over"); }));
["dragleave", "drop"].forEach((t) => drop.addEventListener(t, (ev) => { ev.preventDefault(); drop.classList.remove("over"); }));
drop.addEventListener("drop", (ev) => { const f = ev.dataTransfer && ev.dataTransfer.files[0]; if (f) setImage(f); });
$("image").addEventListener("change", () => setImage($("image").files[0]));
$("clear-image").addEventListener("click", () => { $("image").value = ""; setImage(null); });

$("analyze").addEventListener("click", async () => {
  const note = $("note").value;
  if (!note.trim() && !imageFile) { setStatus("Paste a note or drop an image first.", true); return; }
  setStatus("Analysing…");
  $("text-result").hidden = true; $("image-result").hidden = true;
  try {
    const reports = [];
    if (note.trim()) { const d = await textRequest(note, false); reports.push(d); renderText(note, d); }
    if (imageFile) { const d = await imageRequest(imageFile, false); reports.push(d); renderImage(imageFile, d); }
    showNotices(reports);
    setStatus("Done.");
  } catch (e) {
    setStatus(e.message, true);
  }
});
