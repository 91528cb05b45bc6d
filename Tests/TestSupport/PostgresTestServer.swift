import Foundation
package import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL server for this test process: `initdb` and `postgres` from Debian's packages on a
/// free loopback port in a temporary folder (as the `postgres` user when the tests run as root, since the
/// server refuses root), started on first use. A watchdog stops it and deletes its folder when this process
/// ends, however it ends. Each caller gets a database of its own.
package actor PostgresTestServer {
    package static let shared = PostgresTestServer()

    /// The folder of `initdb`, `postgres` and `createdb` (the newest installed version), if any.
    package static let binDirectory: String? = {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.reversed().map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }
    }()

    /// CI must run the PostgreSQL tests; elsewhere a machine without the server skips them, loudly.
    package static let isRequired = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Whether tests against PostgreSQL run here: the server is installed, or CI requires them (and then a
    /// missing server fails them instead of skipping).
    package static let isEnabled: Bool = {
        if binDirectory != nil || isRequired { return true }
        FileHandle.standardError.write(
            Data(
                """
                ******** PostgreSQL is not installed: every PostgreSQL test is SKIPPED. ********
                ******** Install Debian's postgresql (scripts/test does) to run them.   ********

                """.utf8))
        return false
    }()

    /// Foundation's `Process.run()` crashed copying a launch's environment while other threads launched programs
    /// (in `memcpy` under `Process.run`): the test server's programs start one at a time, inheriting the
    /// environment.
    package static let launching = Mutex<Void>(())

    static let user = "fulfill"
    static let password = "fulfill-test-password"

    private var running: Task<Int, any Error>?

    /// A new, empty database on the server (started if need be), as a `DATABASE_URL`.
    package func makeDatabase() async throws -> String {
        let port = try await start()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        let bin = try Self.bin()
        // The password in the connection string, not in the environment: Foundation's `Process.run()` crashed
        // twice (in memcpy) building a launch's environment while other threads launched programs.
        _ = try await Self.offThePool {
            try Self.run(
                "\(bin)/psql",
                [
                    "postgresql://\(Self.user):\(Self.password)@127.0.0.1:\(port)/postgres?sslmode=disable", "-v", "ON_ERROR_STOP=1",
                    "-q", "-c", "CREATE DATABASE \(name)",
                ])
        }
        return "postgres://\(Self.user):\(Self.password)@127.0.0.1:\(port)/\(name)?sslmode=disable"
    }

    private func start() async throws -> Int {
        if let running { return try await running.value }
        let task = Task { try await Self.offThePool { try Self.launch() } }
        running = task
        return try await task.value
    }

    /// Runs blocking work (processes, waits) on a dispatch queue: blocking the cooperative pool's two threads
    /// on this machine would stall every other test meanwhile.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    static func bin() throws -> String {
        guard let binDirectory else { throw Unavailable("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)") }
        return binDirectory
    }

    /// initdb, then the server under a watchdog; returns its port once it accepts connections.
    private static func launch() throws -> Int {
        let bin = try bin()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let asRoot = geteuid() == 0
        if asRoot { try run("/bin/chown", ["postgres:postgres", folder]) }
        let passwordFile = folder + "/password"
        try password.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        if asRoot { try run("/bin/chown", ["postgres:postgres", passwordFile]) }
        try run(
            "\(bin)/initdb",
            ["-D", folder + "/data", "-U", user, "--pwfile", passwordFile, "--auth-local=trust", "--auth-host=scram-sha-256",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            asPostgres: asRoot)
        let port = try freePort()
        // Speed over durability: nothing here outlives the test run.
        let server = """
            \(bin)/postgres -D '\(folder)/data' -p \(port) -k '\(folder)' -c listen_addresses=127.0.0.1 \
            -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 \
            -c shared_buffers=64MB >'\(folder)/server.log' 2>&1
            """
        let watchdog = """
            \(server) &
            pg=$!
            while [ -d /proc/\(getpid()) ] && kill -0 $pg 2>/dev/null; do sleep 0.5; done
            kill -QUIT $pg 2>/dev/null; wait $pg; rm -rf '\(folder)'
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: asRoot ? "/usr/sbin/runuser" : "/bin/sh")
        process.arguments = asRoot ? ["-u", "postgres", "--", "/bin/sh", "-c", watchdog] : ["-c", watchdog]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try Self.launching.withLock { _ in try process.run() }
        for _ in 0..<300 {
            if (try? run("\(bin)/pg_isready", ["-q", "-h", "127.0.0.1", "-p", "\(port)"])) != nil { return port }
            usleep(100_000)
        }
        let log = (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? ""
        throw Unavailable("PostgreSQL did not start on port \(port): \(log.suffix(2000))")
    }

    /// Runs a program to its end; throws with its output if it fails.
    @discardableResult
    static func run(
        _ path: String, _ arguments: [String], environment: [String: String] = [:], asPostgres: Bool = false
    ) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: asPostgres ? "/usr/sbin/runuser" : path)
        process.arguments = asPostgres ? ["-u", "postgres", "--", path] + arguments : arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new } }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try launching.withLock { _ in try process.run() }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Unavailable("\((path as NSString).lastPathComponent) failed (\(process.terminationStatus)): \(text.suffix(2000))")
        }
        return text
    }

    /// A loopback port nobody listens on now.
    package static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Unavailable("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Unavailable("could not find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    package struct Unavailable: Error, CustomStringConvertible {
        package var description: String
        init(_ description: String) { self.description = description }
    }
}
