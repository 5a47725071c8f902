#include "validator/checks.h"

#include <array>

namespace validator {
namespace {

constexpr std::array kChecks = {
    // HTTP
    CheckInfo{"http.status-200", "H-7", Group::kHttp, "OAI-PMH errors come with HTTP status 200"},
    CheckInfo{"http.content-type", "H-6", Group::kHttp,
              "responses are sent as text/xml (or another XML type) with charset UTF-8"},
    CheckInfo{"http.post", "H-1, H-2", Group::kHttp, "a POST is answered like the same GET"},
    CheckInfo{"http.compression", "H-8", Group::kHttp,
              "an encoding Identify advertises is used when asked for, and none when not"},
    CheckInfo{"http.retry-after", "HV-7, H-7", Group::kHttp, "a 503 carries Retry-After"},
    CheckInfo{"http.redirects", "H-9", Group::kHttp,
              "the base URL answers itself, without a redirect"},
    // XML
    CheckInfo{"xml.well-formed", "X-1", Group::kXml, "every response is well-formed XML"},
    CheckInfo{"xml.characters", "X-1", Group::kXml, "no character illegal in XML 1.0"},
    CheckInfo{"xml.utf-8", "X-2", Group::kXml, "every response is UTF-8"},
    CheckInfo{"xml.declaration", "X-3", Group::kXml,
              "every response begins with <?xml version=\"1.0\" encoding=\"UTF-8\"?>"},
    CheckInfo{"xml.no-dtd", "X-4", Group::kXml, "no DOCTYPE and no entity declarations"},
    CheckInfo{"xml.schema", "X-5", Group::kXml,
              "every response is valid against OAI-PMH.xsd (payloads judged separately)"},
    CheckInfo{"xml.namespace", "X-6", Group::kXml,
              "the root is OAI-PMH in the OAI-PMH namespace, with its schemaLocation"},
    CheckInfo{"xml.response-date", "X-7, D-12, D-14", Group::kXml,
              "responseDate is UTC in seconds form and about now"},
    CheckInfo{"xml.request-url", "X-8, H-9", Group::kXml,
              "<request> holds the base URL the request was sent to"},
    CheckInfo{"xml.date-forms", "D-1", Group::kXml,
              "every date is YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"},
    // Identify
    CheckInfo{"identify.answers", "V-ID-2", Group::kIdentify,
              "Identify answers with every required element"},
    CheckInfo{"identify.base-url", "V-ID-3", Group::kIdentify,
              "baseURL is the URL Identify was asked at"},
    CheckInfo{"identify.protocol-version", "V-ID-2", Group::kIdentify, "protocolVersion is 2.0"},
    CheckInfo{"identify.granularity", "V-ID-5", Group::kIdentify,
              "granularity is YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"},
    CheckInfo{"identify.earliest-datestamp", "V-ID-4, D-11", Group::kIdentify,
              "earliestDatestamp is in the granularity, not in the future, and no later than "
              "any datestamp"},
    CheckInfo{"identify.deleted-record", "DR-1, DR-2", Group::kIdentify,
              "deletedRecord is no, transient or persistent, and no deletion is shown with no"},
    CheckInfo{"identify.admin-email", "V-ID-2", Group::kIdentify,
              "every adminEmail is an e-mail address"},
    CheckInfo{"identify.oai-identifier", "OI-1, OI-5", Group::kIdentify,
              "an oai-identifier description matches the identifiers used"},
    CheckInfo{"identify.descriptions", "X-16, V-ID-7", Group::kIdentify,
              "description containers with a known schema are valid against it"},
    // ListMetadataFormats
    CheckInfo{"formats.oai-dc", "G-3, V-LMF-2", Group::kFormats,
              "ListMetadataFormats lists oai_dc with its schema and namespace"},
    CheckInfo{"formats.for-identifier", "V-LMF-3", Group::kFormats,
              "with an identifier, the formats of that item; an unknown one is idDoesNotExist"},
    // ListSets
    CheckInfo{"sets.answers", "V-LS-2, S-1", Group::kSets,
              "ListSets lists sets, or says noSetHierarchy"},
    CheckInfo{"sets.set-spec", "S-2", Group::kSets,
              "every setSpec is a colon-separated path of unreserved characters"},
    CheckInfo{"sets.parents", "S-2", Group::kSets,
              "the parent of every hierarchical set is listed too"},
    // Lists
    CheckInfo{"lists.tokens", "R-1, R-2, R-3", Group::kLists,
              "resumption tokens lead to the end of each list, whose last page has an empty "
              "token"},
    CheckInfo{"lists.cursor", "R-8", Group::kLists,
              "cursor counts the items before the page; completeListSize the list"},
    CheckInfo{"lists.expiration", "R-7, D-12", Group::kLists,
              "a token's expirationDate is in seconds form and in the future"},
    CheckInfo{"lists.unique", "G-1, G-2", Group::kLists, "no identifier twice in one list"},
    CheckInfo{"lists.granularity", "D-10, V-LR-7", Group::kLists,
              "every datestamp is in the declared granularity"},
    CheckInfo{"lists.from-until", "D-8, D-2, V-LI-7", Group::kLists,
              "from and until select by datestamp, inclusive at both ends, in both forms"},
    CheckInfo{"lists.set", "S-3, V-LI-7", Group::kLists,
              "set selects the items of that set and of the sets below it"},
    CheckInfo{"lists.identifiers-match-records", "V-LI-6, V-LR-7", Group::kLists,
              "ListIdentifiers gives the headers ListRecords gives"},
    // ListRecords
    CheckInfo{"records.deleted", "DR-6, V-GR-6", Group::kRecords,
              "a deleted record has a header and nothing else"},
    CheckInfo{"records.metadata", "V-LR-5", Group::kRecords,
              "a record that is not deleted carries metadata"},
    CheckInfo{"records.oai-dc", "DC-1, DC-2, X-14", Group::kRecords,
              "oai_dc metadata is valid against oai_dc.xsd, namespaces on its root"},
    CheckInfo{"records.format-namespace", "V-LR-9, V-LMF-5", Group::kRecords,
              "metadata is in the namespace ListMetadataFormats gives for its prefix"},
    // GetRecord
    CheckInfo{"getrecord.formats", "V-GR-5, V-LMF-3", Group::kGetRecord,
              "GetRecord answers a listed item in every format listed for it"},
    CheckInfo{"getrecord.header", "V-GR-5, G-2", Group::kGetRecord,
              "GetRecord's header equals the list's"},
    // Errors
    CheckInfo{"errors.verb-missing", "H-4", Group::kErrors, "no verb gives badVerb"},
    CheckInfo{"errors.verb-unknown", "H-4", Group::kErrors,
              "an unknown or wrongly spelled verb gives badVerb"},
    CheckInfo{"errors.verb-repeated", "H-4", Group::kErrors, "a repeated verb gives badVerb"},
    CheckInfo{"errors.argument-illegal", "H-5", Group::kErrors,
              "an argument the verb does not define gives badArgument"},
    CheckInfo{"errors.argument-missing", "H-5, V-GR-2, V-LR-2", Group::kErrors,
              "a missing required argument gives badArgument"},
    CheckInfo{"errors.argument-repeated", "H-5", Group::kErrors,
              "a repeated argument gives badArgument"},
    CheckInfo{"errors.identify-argument", "V-ID-1", Group::kErrors,
              "Identify with an argument gives badArgument"},
    CheckInfo{"errors.bad-date", "D-7", Group::kErrors,
              "a malformed or impossible date gives badArgument"},
    CheckInfo{"errors.finer-granularity", "D-4", Group::kErrors,
              "a seconds-form bound to a day-granularity repository gives badArgument"},
    CheckInfo{"errors.mixed-granularity", "D-5", Group::kErrors,
              "from and until in different forms give badArgument"},
    CheckInfo{"errors.from-after-until", "D-6", Group::kErrors,
              "from later than until gives badArgument"},
    CheckInfo{"errors.cannot-disseminate", "V-LR-3, V-LI-3, V-GR-4", Group::kErrors,
              "an unknown metadataPrefix gives cannotDisseminateFormat"},
    CheckInfo{"errors.id-does-not-exist", "V-GR-3", Group::kErrors,
              "an unknown identifier gives idDoesNotExist"},
    CheckInfo{"errors.bad-token", "R-5", Group::kErrors,
              "an unknown resumptionToken gives badResumptionToken"},
    CheckInfo{"errors.no-records-match", "V-LI-5", Group::kErrors,
              "a from after every datestamp gives noRecordsMatch"},
    CheckInfo{"errors.request-attributes", "X-10, X-9", Group::kErrors,
              "<request> has no attributes with badVerb or badArgument, and echoes the "
              "arguments otherwise"},
    // Harvestability
    CheckInfo{"harvest.page-time", "HQ-1", Group::kHarvest, "a page comes back within 10 s", true},
    CheckInfo{"harvest.page-size", "HQ-2", Group::kHarvest,
              "incomplete pages hold at least 10 records or headers", true},
    CheckInfo{"harvest.token-lifetime", "HQ-3, R-7", Group::kHarvest,
              "a resumption token lives for at least 10 minutes", true},
    CheckInfo{"harvest.datestamps", "HQ-4, G-5", Group::kHarvest,
              "datestamps are when records changed, not the moment of each response", true},
    CheckInfo{"harvest.error-messages", "HQ-7, X-13", Group::kHarvest,
              "every error carries a message for people", true},
    CheckInfo{"harvest.title-identifier", "HQ-5, DC-3", Group::kHarvest,
              "every oai_dc record has a dc:title and a dc:identifier", true},
    CheckInfo{"harvest.identifier-links", "HQ-6, DC-3", Group::kHarvest,
              "every oai_dc record has a dc:identifier a browser can resolve (http, https, "
              "doi, hdl, urn:nbn)",
              true},
};

}  // namespace

std::span<const CheckInfo> all_checks() { return kChecks; }

const CheckInfo* find_check(std::string_view name) {
  for (const CheckInfo& check : kChecks)
    if (check.name == name) return &check;
  return nullptr;
}

std::string_view group_name(Group group) {
  switch (group) {
    case Group::kHttp:
      return "http";
    case Group::kXml:
      return "xml";
    case Group::kIdentify:
      return "identify";
    case Group::kFormats:
      return "formats";
    case Group::kSets:
      return "sets";
    case Group::kLists:
      return "lists";
    case Group::kRecords:
      return "records";
    case Group::kGetRecord:
      return "getrecord";
    case Group::kErrors:
      return "errors";
    case Group::kHarvest:
      return "harvest";
  }
  return "";
}

std::string_view group_heading(Group group) {
  switch (group) {
    case Group::kHttp:
      return "HTTP";
    case Group::kXml:
      return "XML";
    case Group::kIdentify:
      return "Identify";
    case Group::kFormats:
      return "ListMetadataFormats";
    case Group::kSets:
      return "ListSets";
    case Group::kLists:
      return "ListIdentifiers and ListRecords";
    case Group::kRecords:
      return "ListRecords";
    case Group::kGetRecord:
      return "GetRecord";
    case Group::kErrors:
      return "Errors";
    case Group::kHarvest:
      return "Harvestability (advice)";
  }
  return "";
}

}  // namespace validator
