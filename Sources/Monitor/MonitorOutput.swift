// Monitor: the single, serialised output every worker writes through — EVE JSON Lines, syslog and metric counters.
import Capture
import EventOutput
#if canImport(Glibc)
import Glibc
#endif

/// One event on its way out. `eve` is one complete JSON object (a trailing newline is optional).
public struct MonitorEvent: Sendable {
    public enum Kind: String, Sendable { case alert, flow, stats, feed, policyReload, anomaly, other }
    public var kind: Kind
    public var eve: [UInt8]
    public var timestampNanoseconds: Int64
    /// What syslog gets for this event (nil = not sent to syslog).
    public var syslog: SyslogPart?
    /// For alerts: the zone pair counted in `segcheck_violations_total`.
    public var zonePair: (source: String, destination: String)?

    public struct SyslogPart: Sendable {
        public var severity: SyslogSeverity
        public var messageID: String
        public var structuredData: [(String, String)]
        public var text: String
        public init(severity: SyslogSeverity, messageID: String, structuredData: [(String, String)], text: String) {
            self.severity = severity; self.messageID = messageID; self.structuredData = structuredData; self.text = text
        }
    }

    public init(kind: Kind, eve: String, timestampNanoseconds: Int64, syslog: SyslogPart? = nil, zonePair: (String, String)? = nil) {
        self.init(kind: kind, eve: Array(eve.utf8), timestampNanoseconds: timestampNanoseconds, syslog: syslog, zonePair: zonePair)
    }

    public init(kind: Kind, eve: [UInt8], timestampNanoseconds: Int64, syslog: SyslogPart? = nil, zonePair: (String, String)? = nil) {
        self.kind = kind; self.eve = eve; self.timestampNanoseconds = timestampNanoseconds; self.syslog = syslog
        self.zonePair = zonePair.map { (source: $0.0, destination: $0.1) }
    }
}

public struct MonitorOutputError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Counts kept for the metrics exposition (updated under the output lock).
struct OutputCounters {
    var events: [MonitorEvent.Kind: UInt64] = [:]
    var violationsByPair: [String: (src: String, dst: String, count: UInt64)] = [:]
    var eveWriteErrors: UInt64 = 0
    var evidencePackets: UInt64 = 0
    var evidenceSkippedLinkType: UInt64 = 0
    var evidenceWriteErrors: UInt64 = 0
}

/// All workers and the control thread write through one instance; a mutex makes each event one whole line.
public final class MonitorOutput: @unchecked Sendable {
    public let evePath: String?
    private var eveFile: UnsafeMutablePointer<FILE>?
    private let syslog: SyslogSender?
    private let lock = Locked(OutputCounters())
    private let writeMutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    public let evidencePath: String?
    private let evidenceLinkType: UInt32
    private var evidence: PcapWriter?
    private var evidenceInode: UInt64 = 0
    private let evidenceMutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    /// `evePath` "-" means standard output; nil means no EVE output. The evidence pcap holds packets of
    /// `evidenceLinkType` (the first interface's); packets of another link type are counted and left out.
    public init(evePath: String?, syslog: SyslogTarget?, syslogFacility: Int = 13,
                evidencePath: String? = nil, evidenceLinkType: UInt32 = 1) throws(MonitorOutputError) {
        self.evePath = evePath
        self.evidencePath = evidencePath
        self.evidenceLinkType = evidenceLinkType
        pthread_mutex_init(writeMutex, nil)
        pthread_mutex_init(evidenceMutex, nil)
        if let target = syslog {
            do { self.syslog = try SyslogSender(target: target, facility: syslogFacility) }
            catch { throw MonitorOutputError(error.description) }
        } else {
            self.syslog = nil
        }
        if let path = evePath {
            eveFile = try MonitorOutput.open(path)
        }
        if let path = evidencePath { try openEvidence(path) }
    }

    deinit {
        close()
        pthread_mutex_destroy(writeMutex); writeMutex.deallocate()
        pthread_mutex_destroy(evidenceMutex); evidenceMutex.deallocate()
    }

    private static func inode(_ path: String) -> UInt64? {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_ino) : nil
    }

    private func openEvidence(_ path: String) throws(MonitorOutputError) {
        do { evidence = try PcapWriter.create(path: path, linkType: evidenceLinkType) }
        catch { throw MonitorOutputError("cannot create evidence file \(path): \(error.reason)") }
        evidenceInode = MonitorOutput.inode(path) ?? 0
    }

    /// One packet of a violating flow into the shared evidence pcap (any worker thread).
    public func writeEvidence(timestamp: Int64, linkType: UInt32, wireLength: UInt32, bytes: UnsafeRawBufferPointer) {
        guard evidencePath != nil else { return }
        pthread_mutex_lock(evidenceMutex); defer { pthread_mutex_unlock(evidenceMutex) }
        guard linkType == evidenceLinkType else { lock.withLock { $0.evidenceSkippedLinkType += 1 }; return }
        guard evidence != nil else { return }
        do {
            try evidence!.write(timestampNanoseconds: timestamp, bytes: bytes, wireLength: wireLength)
            lock.withLock { $0.evidencePackets += 1 }
        } catch {
            lock.withLock { $0.evidenceWriteErrors += 1 }
        }
    }

    /// Pushes buffered evidence packets to the file (the control thread calls it once a second).
    public func flushEvidence() {
        pthread_mutex_lock(evidenceMutex); defer { pthread_mutex_unlock(evidenceMutex) }
        guard evidence != nil else { return }
        do { try evidence!.flush() } catch { lock.withLock { $0.evidenceWriteErrors += 1 } }
    }

    private static func open(_ path: String) throws(MonitorOutputError) -> UnsafeMutablePointer<FILE> {
        if path == "-" { return stdout }
        guard let f = fopen(path, "ae") else {
            throw MonitorOutputError("cannot open \(path) for writing: \(String(cString: strerror(errno)))")
        }
        return f
    }

    /// Writes one event: EVE line, syslog message, counters. Thread-safe; flushed at once (events are per flow, not per packet).
    public func write(_ event: MonitorEvent) {
        pthread_mutex_lock(writeMutex)
        if let f = eveFile {
            var ok = event.eve.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) == $0.count }
            if event.eve.last != 10 { ok = ok && fputc(10, f) != EOF }
            ok = ok && fflush(f) == 0
            if !ok { lock.withLock { $0.eveWriteErrors += 1 } }
        }
        if let s = syslog, let part = event.syslog {
            s.send(severity: part.severity, messageID: part.messageID, timestampNanoseconds: event.timestampNanoseconds,
                   structuredData: part.structuredData, text: part.text)
        }
        pthread_mutex_unlock(writeMutex)
        lock.withLock { c in
            c.events[event.kind, default: 0] += 1
            if let pair = event.zonePair {
                let key = pair.source + "\u{0}" + pair.destination
                c.violationsByPair[key, default: (pair.source, pair.destination, 0)].count += 1
            }
        }
    }

    /// SIGUSR1: close and reopen the EVE file by name (logrotate has moved it) and reconnect syslog.
    public func reopen() throws(MonitorOutputError) {
        if let path = evidencePath {
            // A pcap cannot be appended to blindly: start a new file only when logrotate moved ours away.
            pthread_mutex_lock(evidenceMutex); defer { pthread_mutex_unlock(evidenceMutex) }
            if MonitorOutput.inode(path) != evidenceInode || evidence == nil {
                if evidence != nil { try? evidence!.close() }
                evidence = nil
                try openEvidence(path)
            }
        }
        pthread_mutex_lock(writeMutex); defer { pthread_mutex_unlock(writeMutex) }
        syslog?.reopen()
        guard let path = evePath, path != "-" else { return }
        let fresh = try MonitorOutput.open(path)
        if let old = eveFile, old != stdout { fclose(old) }
        eveFile = fresh
    }

    public func close() {
        pthread_mutex_lock(evidenceMutex)
        if evidence != nil { do { try evidence!.close() } catch { lock.withLock { $0.evidenceWriteErrors += 1 } } }
        evidence = nil
        pthread_mutex_unlock(evidenceMutex)
        pthread_mutex_lock(writeMutex); defer { pthread_mutex_unlock(writeMutex) }
        if let f = eveFile {
            if f == stdout { fflush(f) } else { fclose(f) }
            eveFile = nil
        }
    }

    /// Violations per (source zone, destination zone), events per kind, write errors and syslog counts.
    func metricFamilies() -> [MetricFamily] {
        let c = lock.withLock { $0 }
        var fams: [MetricFamily] = []
        fams.append(MetricFamily(name: "segcheck_violations_total", help: "Violating flows alerted, per source and destination zone.",
                                 kind: .counter, samples: c.violationsByPair.values.sorted { ($0.src, $0.dst) < ($1.src, $1.dst) }.map {
                                     .init(labels: [("src_zone", $0.src), ("dest_zone", $0.dst)], value: Double($0.count)) }))
        fams.append(MetricFamily(name: "segcheck_events_total", help: "Events written, per EVE event type.", kind: .counter,
                                 samples: c.events.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                                     .init(labels: [("event_type", $0.key.rawValue)], value: Double($0.value)) }))
        fams.append(MetricFamily(name: "segcheck_eve_write_errors_total", help: "EVE lines that could not be written.", kind: .counter,
                                 samples: [.init(value: Double(c.eveWriteErrors))]))
        if evidencePath != nil {
            fams.append(MetricFamily(name: "segcheck_evidence_packets_total", help: "Evidence packets, by result.", kind: .counter,
                                     samples: [.init(labels: [("result", "written")], value: Double(c.evidencePackets)),
                                               .init(labels: [("result", "other_link_type")], value: Double(c.evidenceSkippedLinkType)),
                                               .init(labels: [("result", "error")], value: Double(c.evidenceWriteErrors))]))
        }
        if let s = syslog {
            pthread_mutex_lock(writeMutex)
            let sent = s.sent, failed = s.failures
            pthread_mutex_unlock(writeMutex)
            fams.append(MetricFamily(name: "segcheck_syslog_messages_total", help: "Syslog messages, by result.", kind: .counter,
                                     samples: [.init(labels: [("result", "sent")], value: Double(sent)),
                                               .init(labels: [("result", "failed")], value: Double(failed))]))
        }
        return fams
    }
}
