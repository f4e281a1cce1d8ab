"""Evaluation-time controls: what else could explain a model's score, and how much a score can mean.

Each module is one idea: :mod:`.activity` (where the activity index comes from, and the
activity baseline), :mod:`.skill` (what the model adds beyond activity, and the verdict),
:mod:`.pseudo` (pseudo-event catalogs), :mod:`.epochs` (superposed epochs), :mod:`.molchan`
(the Molchan error diagram).
"""
