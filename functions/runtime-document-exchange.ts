import type { Exchange } from "../shared/exchange/exchange.ts";
import type { LetterVerifier } from "../shared/exchange/letter-verification.ts";
import type { DocumentStore } from "../shared/exchange/ports.ts";
import { lazily, notComposed } from "./runtime.ts";
import { composeExchange } from "./runtime-exchange.ts";
import { presignedUrls } from "./runtime-presigned-urls.ts";

/**
 * The exchange for drafts and letters that only hands out presigned URLs (create, replace file,
 * get): the table and the bucket's URLs, no S3 client and no verifier.
 */
export const documentExchange = lazily((): Exchange => {
  const urls = presignedUrls();
  const bucket = notComposed<DocumentStore>("reading or writing the bucket");
  return composeExchange({
    documents: {
      presignUpload: (key, file) => urls.presignUpload(key, file),
      presignDownload: (key, fileName) => urls.presignDownload(key, fileName),
      read: (key) => bucket.read(key),
      write: (key, body, contentType) => bucket.write(key, body, contentType),
    },
    verifier: notComposed<LetterVerifier>("letter verification"),
  });
});
