import Foundation
import FulfillmentCore
import FulfillmentServer
import StripeAPI
import TestSupport
import Testing

/// Spanish and English for customers: the session's `locale` (or the order's), then the browser's, then
/// `DEFAULT_LOCALE`, on pages and in emails.
@Suite struct LanguageTests {
    @Test func aSpanishSessionGetsASpanishLandingPageAndReceipt() async throws {
        try await ServiceHarness.run { harness in
            let course = try await harness.price("Curso", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], shipping: false, locale: "es")
            try await harness.pay(session)
            try await harness.waitForStatus(session.id, .fulfilled)
            #expect(try await harness.store.purchase(subjectID: session.id)?.language == .es)
            let page = try await harness.get("/checkout/complete?session_id=\(session.id)", headers: [("Accept-Language", "en")])
            #expect(page.text.contains(#"<html lang="es">"#), "the session's language wins over the browser's")
            #expect(page.text.contains("¡Gracias! Tu pedido está completo.") && page.text.contains("Total pagado:"))
            #expect(page.text.contains("49,00 €") && page.text.contains("Abrir tu acceso"))
            try await harness.eventually("receipt") { harness.sentEmails("receipt:\(session.id)").count == 1 }
            let receipt = try #require(harness.sentEmails("receipt:\(session.id)").first?.email)
            #expect(receipt.subject == "Tu recibo")
            #expect(receipt.body.contains("Gracias por tu pedido.") && receipt.body.contains("Total pagado: 49,00 €"))
            #expect(receipt.body.contains("acceso concedido en http://shop.test/access/"))
            let access = try await harness.get(String(try #require(receipt.body.firstMatch(of: /http:\/\/shop\.test(\/access\/[a-z0-9]+)/)).1))
            #expect(access.text.contains(#"<html lang="es">"#) && access.text.contains("Tu acceso está activo"))
            try await harness.refund(charge: try await harness.chargeID(paying: session))
            try await harness.eventually("refund email") { harness.sentEmails("refund:\(session.id):4900").count == 1 }
            let refund = try #require(harness.sentEmails("refund:\(session.id):4900").first?.email)
            #expect(refund.subject == "Tu reembolso" && refund.body.contains("Hemos reembolsado tu pago completo: 49,00 €"))
            #expect(refund.body.contains("El acceso incluido en este pedido ha terminado."))
        }
    }

    @Test func withoutASessionLocaleTheBrowserDecidesThenTheDefault() async throws {
        try await ServiceHarness.run(configure: { $0.defaultLanguage = .es }) { harness in
            let course = try await harness.price("Course", amount: 4900, metadata: ["fulfillment": "digital"])
            let session = try await harness.session([(course.id, 1)], shipping: false)
            try await harness.pay(session)
            try await harness.waitForStatus(session.id, .fulfilled)
            let english = try await harness.get("/checkout/complete?session_id=\(session.id)", headers: [("Accept-Language", "en-US,en;q=0.9")])
            #expect(english.text.contains(#"<html lang="en">"#) && english.text.contains("Thank you! Your order is complete."))
            let fallback = try await harness.get("/checkout/complete?session_id=\(session.id)", headers: [("Accept-Language", "de")])
            #expect(fallback.text.contains(#"<html lang="es">"#), "DEFAULT_LOCALE when the browser speaks neither")
            #expect(try await harness.get("/checkout/complete?session_id=cs_test_nothinghere", headers: [("Accept-Language", "es")]).text.contains("Aquí no hay ningún pedido."))
        }
    }

    @Test func aSpanishOrderSeesTheGuidesMessagesAndEmailsInSpanish() async throws {
        try await ServiceHarness.run { harness in
            let (paid, paidSource) = try await harness.order("sofort", extra: ["locale": "es"])
            let page = try await harness.get("/orders/\(paid)", headers: [("Accept-Language", "en")])
            #expect(page.text.contains(#"<html lang="es">"#) && page.text.contains("Pedido recibido"))
            #expect(page.text.contains("Estamos esperando la confirmación de tu pago.") && page.text.contains("25,00 €"))
            try await harness.authorize(paidSource, "chargeable")
            try await harness.eventually("charge pending") {
                try await harness.get("/api/orders/\(paid)").json["state"]?.stringValue == "charge_pending"
            }
            let pending = try await harness.get("/api/orders/\(paid)").json
            #expect(pending["title"]?.stringValue == "Pedido recibido")
            #expect(pending["message"]?.stringValue == "Tu pago está en camino; confirmaremos tu pedido en cuanto llegue.")
            try await harness.advanceEmulatorClock(seconds: 4 * 24 * 3600)
            try await harness.waitForOrder(paid, .paid)
            #expect(try await harness.get("/api/orders/\(paid)").json["title"]?.stringValue == "Pago confirmado")
            try await harness.eventually("confirmation") { harness.sentEmails("order_confirmed:\(paid)").count == 1 }
            let confirmation = try #require(harness.sentEmails("order_confirmed:\(paid)").first?.email)
            #expect(confirmation.subject == "Tu pedido está confirmado" && confirmation.body.contains("Hemos recibido tu pago de 25,00 €"))

            // No locale in the request: the browser's language (Accept-Language on the order's creation) is kept.
            let body: JSONValue = [
                "items": [["name": "Bulbos", "quantity": 1, "unit_amount": 900]], "currency": "eur", "email": "ana@example.com",
                "payment_method": "ideal", "payment_flow": "sources",
            ]
            let reply = try await harness.post(
                "/api/orders", body: body.serialized(),
                headers: [
                    ("Content-Type", "application/json"), ("Accept-Language", "es-ES,es;q=0.9"),
                    ("Authorization", "Bearer \(ServiceHarness.orderAPIKey)"),
                ])
            let failed = try #require(reply.json["id"]?.stringValue)
            let order = try #require(try await harness.store.order(id: failed))
            #expect(order.language == .es)
            try await harness.authorize(try #require(order.sourceID), "failed")
            try await harness.waitForOrder(failed, .canceled)
            #expect(try await harness.get("/api/orders/\(failed)").json["title"]?.stringValue == "Pago fallido")
            try await harness.eventually("failure email") { harness.sentEmails("order_failed:\(failed)").count == 1 }
            let failure = try #require(harness.sentEmails("order_failed:\(failed)").first?.email)
            #expect(failure.subject == "Tu pago no se ha completado" && failure.body.contains("Tu pago de 9,00 € no se ha completado"))
        }
    }
}
