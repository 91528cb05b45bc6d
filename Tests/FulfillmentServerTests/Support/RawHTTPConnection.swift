import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection for what an HTTP client library will not send: several requests in one write
/// (pipelining), chunked bodies written by hand. Blocking, with a receive timeout; for tests on loopback.
struct RawHTTPConnection {
    let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ConnectionError("connect failed: \(errno)") }
    }

    struct ConnectionError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    func send(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw ConnectionError("send failed: \(errno)") }
            bytes = bytes.dropFirst(sent)
        }
    }

    /// Everything the server sends until it closes the connection (or the timeout passes).
    func receiveUntilClosed() -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    func close() {
        _ = Glibc.close(socket)
    }

    /// The responses in `text`, in order: status code and body (bodies are framed by Content-Length).
    static func responses(in text: String) -> [(status: Int, headers: String, body: String)] {
        var result: [(Int, String, String)] = []
        var rest = Substring(text)
        while let headEnd = rest.range(of: "\r\n\r\n") {
            let head = rest[..<headEnd.lowerBound]
            let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
            let length = head.split(separator: "\r\n")
                .first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            let body = rest[headEnd.upperBound...].utf8.prefix(length)
            result.append((status, String(head), String(decoding: body, as: UTF8.self)))
            rest = Substring(rest[headEnd.upperBound...].utf8.dropFirst(length))
        }
        return result
    }
}
