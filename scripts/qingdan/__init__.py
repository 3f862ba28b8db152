"""qingdan: publish a government's lists as versioned, validated data and a public site."""

__version__ = "0.1.0"
