import Foundation
#if canImport(Glibc)
import Glibc
#endif
import FulfillmentCore
import FulfillmentServer
import NIOCore
import NIOPosix
import StripeAPI
import Synchronization
import TestSupport
import Testing

/// The SMTP transport against a real SMTP server (aiosmtpd, writing a Maildir), started by the test.
@Suite(.serialized) struct SMTPTransportTests {
    /// A running aiosmtpd (`Tests/Scripts/smtp_test_server.py`) on a free loopback port, storing messages in a
    /// Maildir; plain by default, or with STARTTLS, implicit TLS and AUTH as `options` say.
    final class SMTPServer: @unchecked Sendable {  // immutable after init; the process is only terminated in deinit
        let port: Int
        let maildir: URL
        private let process: Process

        /// `port`: one chosen before (a server brought back where it was down); a fresh one by default.
        init(_ options: [String] = [], port: Int? = nil) throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let venv = root.appendingPathComponent(".venv/bin/python")
            let python = FileManager.default.isExecutableFile(atPath: venv.path) ? venv.path : "/usr/bin/env"
            maildir = FileManager.default.temporaryDirectory.appendingPathComponent("maildir-\(UUID().uuidString)")
            // A port the kernel just gave out: a random one could be taken (a service of the parallel suite, or an
            // ephemeral port), and then the test waited for a server that could not bind, or talked to another.
            self.port = try port ?? PostgresTestServer.freePort()
            process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            let script = root.appendingPathComponent("Tests/Scripts/smtp_test_server.py").path
            let arguments = [script, "\(self.port)", maildir.path] + options
            process.arguments = python == "/usr/bin/env" ? ["python3"] + arguments : arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            // One launch at a time in the test process (Foundation's Process.run() crashed in memcpy beside another).
            try PostgresTestServer.launching.withLock { _ in try process.run() }
        }

        /// Waits until the server accepts connections (up to a minute: Python's start can take many seconds while
        /// the parallel suite keeps both cores busy). A server that exited (aiosmtpd missing, a bad option) fails
        /// the wait at once instead of at the minute.
        func ready() async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                guard process.isRunning else { throw Exited(status: process.terminationStatus) }
                if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(.seconds(1)).connect(host: "127.0.0.1", port: port).get()
                {
                    try? await channel.close()
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw ServiceHarness.TimedOut(description: "aiosmtpd did not start (is it installed? scripts/test installs it)")
        }

        struct Exited: Error, CustomStringConvertible {
            let status: Int32
            var description: String {
                "the SMTP test server exited with status \(status) before listening (is aiosmtpd installed in .venv? scripts/test installs it)"
            }
        }

        var messages: [String] {
            let folder = maildir.appendingPathComponent("new")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.compactMap { try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
        }

        /// Each AUTH attempt: "PLAIN ok", "LOGIN refused", ...
        var authAttempts: [String] {
            ((try? String(contentsOf: URL(fileURLWithPath: maildir.path + ".auth.log"), encoding: .utf8)) ?? "")
                .split(separator: "\n").map(String.init)
        }

        /// Stops the server (its port refuses connections from then on).
        func stop() {
            guard process.isRunning else { return }
            // aiosmtpd ignores SIGTERM while serving; SIGKILL ends it for sure.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        deinit {
            // aiosmtpd ignores SIGTERM while serving; SIGKILL ends it for sure.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// A self-signed certificate for 127.0.0.1 (and localhost), made with openssl for this test run.
    struct Certificate {
        let certificate: String
        let key: String

        init() throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-tls-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            certificate = folder.appendingPathComponent("cert.pem").path
            key = folder.appendingPathComponent("key.pem").path
            let openssl = Process()
            openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            openssl.arguments = [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            ]
            openssl.standardOutput = FileHandle.nullDevice
            openssl.standardError = FileHandle.nullDevice
            try PostgresTestServer.launching.withLock { _ in try openssl.run() }
            openssl.waitUntilExit()
            guard openssl.terminationStatus == 0 else { throw ServiceHarness.TimedOut(description: "openssl could not make a certificate") }
        }
    }

    static let email = OutboundEmail(dedupeKey: "receipt:cs_test_tls", recipient: "jenny@example.com", subject: "Your receipt", body: "Thanks!\n")

    func send(_ url: String, from: String = "shop@example.com") async throws {
        let transport = SMTPTransport(settings: try SMTPSettings(url: url), from: from, timeout: .seconds(20), logger: ServiceHarness.logger())
        try await transport.send(QueuedEmail(id: 1, email: Self.email, attempts: 1, createdAt: Date()))
    }

    @Test func deliversAMessageWithHeadersAndAnIntactBody() async throws {
        let server = try SMTPServer()
        try await server.ready()
        let transport = SMTPTransport(host: "127.0.0.1", port: server.port, from: "shop@example.com", logger: ServiceHarness.logger())
        let body = "Hello Jenny,\n.\n..two dots\nCafé ☕ — €12.00\n"
        try await transport.send(
            QueuedEmail(
                id: 1, email: OutboundEmail(dedupeKey: "receipt:cs_test_1", recipient: "jenny@example.com", subject: "Your receipt\r\nBcc: evil@example.com", body: body),
                attempts: 1, createdAt: Date()))
        let messages = server.messages
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(message.contains("To: jenny@example.com"))
        #expect(message.contains("Subject: Your receiptBcc: evil@example.com"), "no header injection through a line break")
        #expect(!message.contains("\nBcc:"))
        #expect(message.contains("\n.\n") || message.contains("\r\n.\r\n"), "a lone dot line survives dot-stuffing")
        #expect(message.contains("..two dots"))
        #expect(message.contains("Café ☕ — €12.00"))
    }

    @Test func failsClearlyWhenNoServerAnswers() async throws {
        let transport = SMTPTransport(host: "127.0.0.1", port: 9, from: "shop@example.com", timeout: .seconds(5), logger: ServiceHarness.logger())
        await #expect(throws: (any Error).self) {
            try await transport.send(QueuedEmail(id: 1, email: OutboundEmail(dedupeKey: "k", recipient: "a@b.example", subject: "s", body: "b"), attempts: 1, createdAt: Date()))
        }
    }

    @Test func theOutboxSendsTheReceiptThroughSMTPOnce() async throws {
        let server = try SMTPServer()
        try await server.ready()
        let transport = SMTPTransport(host: "127.0.0.1", port: server.port, from: "shop@example.com", logger: ServiceHarness.logger())
        try await ServiceHarness.run(emailTransport: transport) { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], email: "smtp-buyer@example.com", shipping: false)
            try await harness.pay(session)
            try await harness.eventually("delivered over SMTP") { server.messages.contains { $0.contains("smtp-buyer@example.com") } }
            try await harness.eventually("marked sent") { try await harness.store.outboxBacklog() == 0 }
            #expect(server.messages.filter { $0.contains(session.id) }.count == 1)
        }
    }

    @Test func startTLSThenAuthPlainDeliversAndEmailFromIsTheSender() async throws {
        let certificate = try Certificate()
        let server = try SMTPServer(["--starttls", certificate.certificate, certificate.key, "--auth", "shop", "s3cret pass"])
        try await server.ready()
        try await send("smtp://shop:s3cret%20pass@127.0.0.1:\(server.port)?ca=\(certificate.certificate)", from: "orders@shop.example")
        #expect(server.authAttempts == ["PLAIN ok"])
        #expect(server.messages.count == 1)
        #expect(server.messages.first?.contains("From: orders@shop.example") == true, "EMAIL_FROM is the sender")
    }

    @Test func authLoginWhenThatIsAllTheServerOffers() async throws {
        let certificate = try Certificate()
        let server = try SMTPServer(["--starttls", certificate.certificate, certificate.key, "--auth", "shop", "pw", "--exclude", "PLAIN"])
        try await server.ready()
        try await send("smtp://shop:pw@127.0.0.1:\(server.port)?ca=\(certificate.certificate)")
        #expect(server.authAttempts == ["LOGIN ok"])
        #expect(server.messages.count == 1)
    }

    @Test func aWrongPasswordIsRefusedAndNothingIsSent() async throws {
        let certificate = try Certificate()
        let server = try SMTPServer(["--starttls", certificate.certificate, certificate.key, "--auth", "shop", "right"])
        try await server.ready()
        await #expect(throws: SMTPTransport.SMTPError.self) {
            try await send("smtp://shop:wrong@127.0.0.1:\(server.port)?ca=\(certificate.certificate)")
        }
        #expect(server.authAttempts == ["PLAIN refused"])
        #expect(server.messages.isEmpty)
    }

    @Test func aServerWithoutStartTLSIsRefusedUnlessTLSIsNone() async throws {
        let server = try SMTPServer()
        try await server.ready()
        do {
            try await send("smtp://127.0.0.1:\(server.port)")
            Issue.record("sent in the clear without being told to")
        } catch let error as SMTPTransport.SMTPError {
            #expect(error.description.contains("offers no STARTTLS"))
        }
        #expect(server.messages.isEmpty)
        try await send("smtp://127.0.0.1:\(server.port)?tls=none")
        #expect(server.messages.count == 1)
    }

    @Test func implicitTLSAndAnUntrustedCertificate() async throws {
        let certificate = try Certificate()
        let server = try SMTPServer(["--tls", certificate.certificate, certificate.key])
        try await server.ready()
        try await send("smtps://127.0.0.1:\(server.port)?ca=\(certificate.certificate)")
        #expect(server.messages.count == 1)
        await #expect(throws: (any Error).self, "a self-signed certificate the system does not trust") {
            try await send("smtps://127.0.0.1:\(server.port)")
        }
        #expect(server.messages.count == 1)
    }

    @Test func theURLSaysWhatItAcceptsAndNeverPrintsThePassword() throws {
        let settings = try SMTPSettings(url: "smtp://shop:hunter2@mail.example?from=orders@shop.example")
        #expect(settings.security == .startTLS && settings.port == 587 && settings.username == "shop" && settings.from == "orders@shop.example")
        #expect(!settings.description.contains("hunter2") && !"\(settings)".contains("hunter2"))
        #expect(try SMTPSettings(url: "smtps://mail.example").port == 465)
        #expect(try SMTPSettings(url: "smtp://127.0.0.1:2525?tls=none").security == .none)
        for bad in ["smtp://mail.example?tls=maybe", "smtps://mail.example?tls=none", "smtp://mail.example?color=blue", "mail.example", "smtp://"] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try SMTPSettings(url: bad) }
        }
        do {
            _ = try SMTPSettings(url: "smtp://mail.example?tls=maybe")
        } catch {
            #expect("\(error)".contains("EMAIL_URL"), "the error names the setting")
        }
    }
}
