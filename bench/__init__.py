"""`make bench`: how fast the tracker answers at the seed's size, the archive's size and a million claims."""
