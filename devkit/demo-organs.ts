import type { Role } from "../shared/exchange/types.ts";

/**
 * The demo organs of the local runtime and of `lienthong pki init`: real-looking organ codes
 * (NNN.NN.NN.Xnn, H53 = Tây Ninh province) and Vietnamese names. Each has a competent signer
 * whose title and name appear on signed letters.
 */
export interface DemoOrgan {
  readonly code: string;
  readonly name: string;
  /** Short name used for letter notations, e.g. 2491/STC-BCTC. */
  readonly abbreviation: string;
  readonly signer: { readonly fullName: string; readonly position: string; readonly competence?: string };
}

export const DEMO_ORGANS: readonly DemoOrgan[] = [
  {
    code: "000.00.00.H53",
    name: "Ủy ban nhân dân tỉnh Tây Ninh",
    abbreviation: "UBND",
    signer: { fullName: "Nguyễn Văn Thắng", position: "Chủ tịch" },
  },
  {
    code: "000.00.11.H53",
    name: "Sở Tài chính tỉnh Tây Ninh",
    abbreviation: "STC",
    signer: { fullName: "Trần Thị Bích Ngọc", position: "Phó Giám đốc", competence: "KT. GIÁM ĐỐC" },
  },
  {
    code: "000.00.12.H53",
    name: "Sở Nội vụ tỉnh Tây Ninh",
    abbreviation: "SNV",
    signer: { fullName: "Lê Hoàng Phúc", position: "Giám đốc" },
  },
  {
    code: "000.00.31.H37",
    name: "Sở Thông tin và Truyền thông tỉnh Ninh Bình",
    abbreviation: "STTTT",
    signer: { fullName: "Phạm Quốc Đạt", position: "Giám đốc" },
  },
];

/**
 * The API keys each demo organ gets, one per role the demo uses (roles in `shared/exchange/roles.ts`):
 * its office software drafts, sends and reads (`integration`); its văn thư applies the organ's seal
 * and accepts or refuses incoming letters (`clerk`). Nothing in the API needs an `admin` key yet.
 */
export const DEMO_KEY_ROLES: readonly Role[] = ["integration", "clerk"];
