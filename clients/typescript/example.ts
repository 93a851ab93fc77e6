// Type-checked in CI with `tsc --strict --noEmit` against types generated from openapi.yaml
// (`make client` writes them to clients/typescript/schema.d.ts).
import type { components, paths } from "./schema";

type AgreementList = components["schemas"]["PaginatedAgreementList"];
type Trip = components["schemas"]["Trip"];
type AgreementQuery = NonNullable<paths["/api/v1/agreements/"]["get"]["parameters"]["query"]>;

export const dyad: AgreementQuery = { party: ["IRN", "VEN"], date_after: "2022-01-01", page_size: 50 };

export function partiesOf(page: AgreementList): string[][] {
  return page.results.map((agreement) => agreement.parties.map((party) => party.country.code));
}

export function itinerary(trip: Trip): string {
  const stops = trip.stops ?? [];
  return stops.map((stop) => `${stop.order}. ${stop.city || stop.country.name} (${stop.arrival ?? "date unknown"})`).join(" → ");
}

export function signedRange(page: AgreementList): Array<[string | null, string | null]> {
  return page.results.map((agreement) => [agreement.signed_earliest ?? null, agreement.signed_latest ?? null]);
}
