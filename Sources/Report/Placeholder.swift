// Report: placeholder until its first file lands.
