"""Documents the watched-source tests serve from a local HTTP server: a CSV of city counts and an Atom feed."""

from __future__ import annotations

CITIES_CSV = b"month,cities\n2025-10,40\n2025-11,66\n"


FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Mobility news</title><id>urn:news</id><updated>2025-12-02T08:00:00Z</updated>
  <entry><title>Robotaxi service opens in Wuhan's airport district</title><id>urn:news:1</id>
    <link href="https://news.example.org/robotaxi-wuhan"/><updated>2025-12-01T08:00:00Z</updated>
    <summary>Apollo Go adds a 66th city.</summary></entry>
  <entry><title>Robotaxi fleet grows in Shenzhen</title><id>urn:news:2</id>
    <link href="https://news.example.org/robotaxi-shenzhen"/><updated>2025-11-20T08:00:00Z</updated>
    <summary>More cars, same cities.</summary></entry>
  <entry><title>Battery prices fall again</title><id>urn:news:3</id>
    <link href="https://news.example.org/batteries"/><updated>2025-11-25T08:00:00Z</updated></entry>
</feed>
"""
