// Firewall: placeholder until its first file lands.
