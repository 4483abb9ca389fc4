// Inspect: placeholder until its first file lands.
