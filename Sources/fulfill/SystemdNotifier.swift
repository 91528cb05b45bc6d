import Foundation  // the C library's sockets (Glibc on Linux)

/// systemd's readiness protocol (`Type=notify`, sd_notify(3)): a datagram such as `READY=1` to the Unix socket
/// named by `NOTIFY_SOCKET` (a path, or an abstract name starting with `@`). Hand-written: libsystemd is no Swift
/// package here, and the protocol is one `sendto`. Without `NOTIFY_SOCKET` (not started by systemd) there is
/// no notifier.
struct SystemdNotifier: Sendable {
    let socketPath: String

    init?(environment: [String: String]) {
        guard let path = environment["NOTIFY_SOCKET"], path.hasPrefix("/") || path.hasPrefix("@") else { return nil }
        socketPath = path
    }

    /// Sends `state` (`READY=1`, `STOPPING=1`, `STATUS=...`); `false` if it could not be sent.
    @discardableResult
    func notify(_ state: String) -> Bool {
        #if os(Linux)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }  // an abstract socket's name starts with a NUL
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            bytes.copyBytes(from: path)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(descriptor, message, message.count, 0, socketAddress, length)
            }
        }
        return sent == message.count
    }
}
