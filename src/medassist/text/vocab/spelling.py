"""British/American spelling normalisation of one lower-cased word (a mechanism, not a word list).

Both the vocabulary and the note are keyed through :func:`spelling_key`, so "haemoptysis",
"oedema", "anaemia", "oesophagus", "paediatric", "tumour", "hospitalised", "centre" and their
American forms meet on one key. The rules only merge spellings; a key is never shown to a user.

* ``ae`` / ``oe`` between consonants -> ``e`` (haem-, anaem-, paed-, -aemia; oedema, oesophag-,
  diarrhoea, coeliac, foetal), in words of five letters or more (toe, does stay);
* ``-our(s)`` -> ``-or(s)`` in words of six letters or more (tumour, colour, but four, hour stay);
* ``-ise``, ``-ised``, ``-ises``, ``-ising``, ``-isation`` -> ``z`` (and ``-yse`` -> ``-yze``), in
  words of six letters or more;
* ``-tre(s)`` / ``-bre(s)`` -> ``-ter(s)`` / ``-ber(s)`` (centre, litre, fibre), ``sulph`` -> ``sulf``.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["spelling_key"]

_DIGRAPH = re.compile(
    r"(?<=[bcdfghjklmnpqrstvwxz])(?:ae|oe)(?=[bcdfghjklmnpqrstvwxyz]|a$)"  # diarrhoea, apnoea
)
_LEADING = re.compile(r"^(?:ae|oe)(?=[bcdfghjklmnpqrstvwxz])")  # oedema, oesophagus, aetiology
_OUR = re.compile(r"our(s?)$")
_ISE = re.compile(r"(?<=[a-z]{3})(is|ys)(e|ed|es|ing|ation|ations)$")
_TRE = re.compile(r"(?<=[a-z]{2})([tb])re(s?)$")


@lru_cache(maxsize=65536)
def spelling_key(word: str) -> str:
    """The spelling-normalised form of a lower-cased word (other tokens pass unchanged)."""
    if len(word) < 5 or not word.isalpha():
        return word
    key = _LEADING.sub("e", word)
    key = _DIGRAPH.sub("e", key)
    if len(word) >= 6:
        key = _OUR.sub(r"or\1", key)
        key = _ISE.sub(lambda m: m.group(1)[0] + "z" + m.group(2), key)
    key = _TRE.sub(r"\1er\2", key)
    if key.startswith("sulph"):
        key = "sulf" + key[5:]
    return key
