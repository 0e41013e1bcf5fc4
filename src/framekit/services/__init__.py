"""Vendors: one folder per vendor, each holding everything that vendor needs.

A vendor folder (``services/<vendor>/``) implements a stage's service interface
(the LLM's :class:`~framekit.llm.events.LLMService`, the recognizer and voice
interfaces of the speech stages) and holds its settings, its wire or SDK mapping
and, for local models, the engine that loads them. The stage processors in
:mod:`framekit.processors` drive any service of their kind, so adding a vendor
touches no other folder. A vendor folder imports the stage interfaces, never
another vendor (``tests/test_layers.py`` holds that line).

Vendor folders import their SDKs or model runtimes: import them directly
(``from framekit.services.anthropic import AnthropicLLMService``); a missing
extra fails at import with the install command.
"""
