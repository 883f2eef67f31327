"""Structured medication extraction: dose, unit, route, frequency, PRN, duration, status.

For every medication entity (found by :mod:`medassist.text.drugs` through the matcher, context
already set) the text around the mention is parsed:

* forward, up to the end of the line, of the clause, or the next medication mention
  (so comma lists such as ``lisinopril 20 daily, atorvastatin 40 qhs`` split cleanly): the
  dose right after the name (fillers such as ``XL``, ``(Toprol)``, ``tablet``, ``-`` allowed;
  a strength times a tablet count gives the dose; ``5/325`` combination strengths give no single
  dose), route, frequency, PRN and its reason, duration;
* backward, to the start of the line/sentence/clause: a dose written before the name
  (``81 mg aspirin``), a route (``IV Protonix``), and the closest status cue (``started``,
  ``stopped``, ``hold``, ``continue``, ``increase``, ``on``).

Numbers not adjacent to the name are never doses there (``hold metoprolol for SBP < 100``);
doses written in prose elsewhere in the clause are attached by :mod:`.prose` ("N mg of X",
"X at a dose of N", "X (N mg/kg)", "X was increased to N", "respectively"), and statuses that
reach over several mentions (list labels, exceptions, switches) come from :mod:`.scopes`.

The package: :mod:`.dose` (numbers, dose units, the dose grammar), :mod:`.shorthand` (strict
loaders of ``data/sig_shorthand.tsv`` and ``data/sig_routes.json``), :mod:`.sig_terms` (route,
frequency, PRN and duration patterns), :mod:`.sig` (the sig next to a mention), :mod:`.prose`
(doses in narrative prose), :mod:`.status` (status cues around a mention), :mod:`.scopes`
(status over several mentions), :mod:`.extract` (one Medication per mention).
"""

from medassist.text.medications.dose import normalize_unit
from medassist.text.medications.extract import extract_medications
from medassist.text.medications.sig import Sig, normalize_frequency, parse_sig

__all__ = ["Sig", "extract_medications", "parse_sig", "normalize_unit", "normalize_frequency"]
