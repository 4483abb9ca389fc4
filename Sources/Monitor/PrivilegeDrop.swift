// Monitor: `-Z USER` drops root after the capture handles are open (setgroups/setgid/setuid, as tcpdump does).
#if canImport(Glibc)
import Glibc
#endif

public struct PrivilegeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum PrivilegeDrop {
    /// Looks up `user` (name or numeric uid) and switches the whole process to it: supplementary groups from
    /// /etc/group, then the primary group, then the user id. Verifies afterwards that root cannot be regained.
    /// Must be called before worker threads start: setuid(2) in glibc applies to every thread, but doing it
    /// while only one thread runs keeps the order simple to reason about.
    public static func drop(to user: String) throws(PrivilegeError) {
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        var rc = getpwnam_r(user, &pwd, &buffer, buffer.count, &result)
        if result == nil, let uid = UInt32(user) {
            rc = getpwuid_r(uid, &pwd, &buffer, buffer.count, &result)
        }
        guard rc == 0, result != nil else { throw PrivilegeError("-Z \(user): no such user") }
        let uid = pwd.pw_uid, gid = pwd.pw_gid
        let name = String(cString: pwd.pw_name)
        if geteuid() != 0 {
            // Not root (e.g. started with CAP_NET_RAW only): nothing to give up unless asked to become someone else.
            if geteuid() == uid { return }
            throw PrivilegeError("-Z \(user): not running as root, cannot switch to another user")
        }
        if initgroups(name, gid) != 0 {
            var g = gid
            guard setgroups(1, &g) == 0 else { throw PrivilegeError("-Z \(user): setgroups failed: \(String(cString: strerror(errno)))") }
        }
        guard setgid(gid) == 0 else { throw PrivilegeError("-Z \(user): setgid(\(gid)) failed: \(String(cString: strerror(errno)))") }
        guard setuid(uid) == 0 else { throw PrivilegeError("-Z \(user): setuid(\(uid)) failed: \(String(cString: strerror(errno)))") }
        if uid != 0 && (setuid(0) == 0 || seteuid(0) == 0) {
            throw PrivilegeError("-Z \(user): could regain root after dropping privileges; refusing to continue")
        }
    }
}
