"""Tests of the rule modules."""
