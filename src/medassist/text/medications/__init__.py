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

Numbers not adjacent to the name are never doses (``hold metoprolol for SBP < 100``).

The package: :mod:`.dose` (numbers, dose units, the dose grammar), :mod:`.sig_terms` (route,
frequency, PRN and duration patterns), :mod:`.sig` (the sig next to a mention), :mod:`.status`
(status cues), :mod:`.extract` (one Medication per mention).
"""

from medassist.text.medications.dose import normalize_unit
from medassist.text.medications.extract import extract_medications
from medassist.text.medications.sig import Sig, normalize_frequency, parse_sig

__all__ = ["Sig", "extract_medications", "parse_sig", "normalize_unit", "normalize_frequency"]
