// Monitor: placeholder until its first file lands.
