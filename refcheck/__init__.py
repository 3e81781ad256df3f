"""refcheck: verify the citations, references and links of documents, and the claims that rest on them."""

__version__ = "0.1.0"
