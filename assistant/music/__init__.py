"""Symbolic music: the internal score model, tokenizer, model, sampling and theme operators."""
