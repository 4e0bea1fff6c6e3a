"""AI triage building blocks: result schema, anonymizer, LLM providers, prompt-injection defence, budget.

A pure package (no models): the processing state machine wires it in. See docs/ai-providers.md.
"""
