import Foundation
import Hummingbird

/// `/_standin/faults`: the control plane tests and the demo use to inject faults.
/// Only loopback peers may use it; `StandInMiddleware` refuses everyone else with 403.
extension StandInAPI {
    func addFault(_ request: Request, _ context: StandInContext) async throws -> Response {
        try await answer {
            let rule: FaultRule
            do {
                rule = try JSONDecoder().decode(FaultRule.self, from: try await body(of: request))
            } catch {
                let routes = FaultRule.Route.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError.unprocessable("a fault rule is JSON with \"route\" one of: \(routes)")
            }
            if let problem = rule.problem { throw APIError.unprocessable(problem) }
            await state.add(rule)
            return JSONResponse.make(status: 201, rule)
        }
    }

    func clearFaults(_ request: Request, _ context: StandInContext) async throws -> Response {
        await state.clearFaults()
        return JSONResponse.empty(status: 204)
    }
}
