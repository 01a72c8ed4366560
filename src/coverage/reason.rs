//! The verdict vocabulary (spec §10): statuses, reason codes, their messages in Vietnamese and English and
//! the next step for the receptionist.

use serde::{Deserialize, Serialize, Serializer};

/// How a visit can be checked in, from best to worst. The order is the severity order of spec §10.1
/// except that NOT_ELIGIBLE outranks CANNOT_VERIFY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Eligible,
    EligibleWithWarning,
    CannotVerify,
    NotEligible,
}

impl Status {
    /// The status as stored (`ELIGIBLE`, …); `None` for anything else.
    pub fn parse(text: &str) -> Option<Status> {
        [Status::Eligible, Status::EligibleWithWarning, Status::CannotVerify, Status::NotEligible]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Eligible => "ELIGIBLE",
            Status::EligibleWithWarning => "ELIGIBLE_WITH_WARNING",
            Status::CannotVerify => "CANNOT_VERIFY",
            Status::NotEligible => "NOT_ELIGIBLE",
        }
    }
}

/// Every reason a verdict can give. VSS result codes where the meaning fits, local `L` codes otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    Valid,
    FiveYearsReached,
    ExpiringSoon,
    ReplacedStillValid,
    Defence,
    PublicSecurity,
    NameFirstLetterOnly,
    OtherFacility,
    OtherFacilityPre2025,
    ReducedShare,
    NoShare,
    PendingDiagnosis,
    ProfileNotSet,
    BenefitUnknown,
    CardOnly,
    DataAging,
    Expired,
    NotYetValid,
    ReplacedExpired,
    Revoked,
    Reduced,
    ReducedOtherProvince,
    ReducedInProvince,
    ReducedStopped,
    ReducedReenrolled,
    NotFound,
    BadCardCode,
    BadProvince,
    BadBenefit,
    NameMismatch,
    BirthMismatch,
    DataTooOld,
    Unreadable,
}

/// A code's fixed text: code, default status (`None` = information only), message (with `{n}`, `{date}`,
/// `{code}` placeholders) and next step, each in Vietnamese and English.
struct Entry {
    code: &'static str,
    status: Option<Status>,
    vi: &'static str,
    en: &'static str,
    next_vi: &'static str,
    next_en: &'static str,
}

use Status::{CannotVerify as CV, Eligible as OK, EligibleWithWarning as WARN, NotEligible as NO};

const REDUCED_NEXT_VI: &str =
    "Đề nghị xuất trình thẻ còn giá trị; nếu không, tiếp đón theo dịch vụ (tự chi trả).";
const REDUCED_NEXT_EN: &str = "Ask for a current card; otherwise the general (self-pay) process.";
const CHECK_ID_VI: &str = "Kiểm tra giấy tờ tùy thân có ảnh; sửa thông tin hoặc báo người phụ trách.";
const CHECK_ID_EN: &str = "Check a photo ID; correct the record or refer to a supervisor.";
const ARMED_VI: &str = "Kiểm tra thẻ và giấy tờ tùy thân có ảnh; dùng hạn thẻ in trên thẻ.";
const ARMED_EN: &str = "Check the card and a photo ID; use the card's printed dates.";
/// The next steps that promise an online re-check, and what they say instead when no VSS gateway
/// account is configured (how to confirm by hand), Vietnamese and English.
const RECHECK_PROMISES: [(&str, &str); 6] = [
    (
        "lượt khám sẽ được tra cứu lại trực tuyến",
        "xác nhận thẻ trên cổng tra cứu của BHXH (baohiemxahoi.gov.vn), ứng dụng VssID của người bệnh, hoặc gọi BHXH",
    ),
    (
        "the visit is queued for an online re-check",
        "confirm the card on the VSS look-up portal (baohiemxahoi.gov.vn), in the patient's VssID app, or by phone to the BHXH office",
    ),
    (
        "tra cứu lại trực tuyến (NĐ 188 Đ38 k2)",
        "xác nhận trên cổng tra cứu BHXH hoặc gọi BHXH (NĐ 188 Đ38 k2)",
    ),
    ("re-check online (NĐ 188 Đ38 k2)", "confirm on the VSS portal or by phone (NĐ 188 Đ38 k2)"),
    ("tiếp đón và kiểm tra lại sau", "tiếp đón và xác nhận trên cổng tra cứu BHXH hoặc gọi BHXH"),
    ("admit and re-check", "admit and confirm on the VSS portal or by phone"),
];

/// Rewrites the next steps of a verdict for a desk without the online re-check: no promise of a
/// re-check that nothing will make; how to confirm by hand instead.
pub fn without_online_recheck(next_vi: &mut String, next_en: &mut String) {
    for (promise, instead) in RECHECK_PROMISES {
        for text in [&mut *next_vi, &mut *next_en] {
            if text.contains(promise) {
                *text = text.replace(promise, instead);
            }
        }
    }
}

const RETYPE_VI: &str = "Quét lại, hoặc nhập lại mã thẻ.";
const RETYPE_EN: &str = "Scan again or re-type the card code.";

impl Code {
    fn entry(self) -> Entry {
        let e = |code, status, vi, en, next_vi, next_en| Entry { code, status, vi, en, next_vi, next_en };
        match self {
            Code::Valid => e(
                "000",
                Some(OK),
                "Thẻ còn giá trị sử dụng.",
                "Card valid.",
                "Tiếp đón khám BHYT; xác nhận mã đối tượng KCB đề xuất.",
                "Proceed with BHYT check-in; confirm the proposed MA_DOITUONG_KCB.",
            ),
            Code::FiveYearsReached => e(
                "L09",
                None,
                "Đã đủ 5 năm liên tục từ ngày {date}.",
                "Five consecutive years reached on {date}.",
                "Tiếp tục; không cần làm gì thêm tại quầy.",
                "Proceed; no action at the desk.",
            ),
            Code::ExpiringSoon => e(
                "L08",
                Some(WARN),
                "Thẻ sắp hết hạn (còn {n} ngày).",
                "Card expires in {n} days.",
                "Tiếp tục; nhắc người bệnh gia hạn thẻ.",
                "Proceed; remind the patient to renew.",
            ),
            Code::ReplacedStillValid => e(
                "004",
                Some(WARN),
                "Thẻ cũ còn giá trị, đã được cấp thẻ mới ({code}).",
                "Old card still valid; new card issued ({code}).",
                "Tiếp tục; ghi nhận số thẻ mới nếu biết.",
                "Proceed; record the new card number if known.",
            ),
            Code::Defence => e(
                "001",
                Some(WARN),
                "Thẻ do BHXH Bộ Quốc phòng quản lý, cần kiểm tra thẻ và giấy tờ tùy thân.",
                "Ministry of Defence card: check card and ID.",
                ARMED_VI,
                ARMED_EN,
            ),
            Code::PublicSecurity => e(
                "002",
                Some(WARN),
                "Thẻ do BHXH Bộ Công an quản lý, cần kiểm tra thẻ và giấy tờ tùy thân.",
                "Ministry of Public Security card: check card and ID.",
                ARMED_VI,
                ARMED_EN,
            ),
            Code::NameFirstLetterOnly => e(
                "061",
                Some(WARN),
                "Họ tên chưa khớp (trùng chữ cái đầu).",
                "Name differs (first letter matches).",
                "So với giấy tờ có ảnh; sửa chính tả; tiếp tục nếu đúng người.",
                "Compare with a photo ID; correct the spelling; proceed if it is the same person.",
            ),
            Code::OtherFacility => e(
                "L05",
                None,
                "Nơi đăng ký KCB ban đầu là cơ sở khác ({code}).",
                "Registered at another facility ({code}).",
                "Tiếp tục: không cần giấy tờ thêm (mã đối tượng là đề xuất, chốt khi khám xong).",
                "Proceed: no paper is needed (the category is a proposal, set when the visit ends).",
            ),
            Code::OtherFacilityPre2025 => e(
                "L05",
                Some(WARN),
                "Nơi đăng ký KCB ban đầu là cơ sở khác ({code}).",
                "Registered at another facility ({code}).",
                // The pre-2025 text, word for word: an old visit's verdict never changes.
                "Xác nhận đối tượng (1.2 / 1.3 / 1.4 / 1.5 / 2 / 3.x); hỏi giấy chuyển tuyến hoặc giấy hẹn.",
                "Confirm the category (1.2 / 1.3 / 1.4 / 1.5 / 2 / 3.x); ask for a transfer or appointment paper.",
            ),
            Code::ReducedShare => e(
                "L10",
                Some(WARN),
                "Quỹ trả một phần mức hưởng: tự đến, không có phiếu chuyển cơ sở KCB.",
                "The fund pays part of the card's level: self-referred without a paper.",
                "Hỏi phiếu chuyển cơ sở KCB, giấy hẹn khám lại, nơi lưu trú, hoặc cấp cứu (chọn ở thẻ để hưởng đủ); nếu không, báo người bệnh phần tự chi trả.",
                "Ask for a transfer paper, an appointment paper, a stay elsewhere, or an emergency (mark it to get the full level); otherwise tell the patient their share.",
            ),
            Code::NoShare => e(
                "L11",
                Some(NO),
                "Quỹ BHYT không chi trả lượt khám này.",
                "The fund pays nothing for this visit.",
                "Hỏi phiếu chuyển cơ sở KCB, giấy hẹn khám lại hoặc nơi lưu trú (chọn ở thẻ); cấp cứu được hưởng đủ; bệnh thuộc Phụ lục I/II TT 01/2025 xác định khi khám xong; nếu không, tiếp đón theo dịch vụ (tự chi trả).",
                "Ask for a transfer paper, an appointment paper or a stay elsewhere (mark it); an emergency is covered in full; a TT 01/2025 Annex I/II disease is known when the visit ends; otherwise the general (self-pay) process.",
            ),
            Code::PendingDiagnosis => e(
                "L12",
                None,
                "Mức hưởng có thể thay đổi theo chẩn đoán.",
                "The share may change with the diagnosis.",
                "Nếu vẫn khám: mã đối tượng cuối cùng được chốt khi khám xong.",
                "If the visit goes ahead: the final category is set when it ends.",
            ),
            Code::ProfileNotSet => e(
                "L13",
                None,
                "Chưa khai báo hồ sơ cơ sở (cấp chuyên môn, loại cơ sở, điểm, tuyến cũ): chưa đề xuất được mã đối tượng.",
                "The clinic profile (level, type, score, former tier) is not set: no category can be proposed.",
                "Khai báo hồ sơ cơ sở ở Cài đặt (F4) hoặc tiepdon settings set.",
                "Set the clinic profile in Settings (F4) or with tiepdon settings set.",
            ),
            Code::BenefitUnknown => e(
                "L06",
                Some(WARN),
                "Chưa xác định được mức hưởng: thẻ chỉ có mã số BHXH.",
                "Benefit level unknown: only the BHXH number is known.",
                "Đọc mã thẻ 15 ký tự trên ảnh thẻ, hoặc tra cứu trực tuyến sau.",
                "Read the 15-character code from the card image, or check online later.",
            ),
            Code::CardOnly => e(
                "L07",
                None,
                "Chưa có trong dữ liệu đối chiếu, chỉ kiểm tra theo thông tin trên thẻ.",
                "Not in local data; checked against the card only.",
                "Tiếp tục (hạn thẻ in trên thẻ là căn cứ, như thẻ giấy); lượt khám sẽ được tra cứu lại trực tuyến.",
                "Proceed (the card's own printed validity is the evidence, as with a paper card); the visit is queued for an online re-check.",
            ),
            Code::DataAging => e(
                "L02",
                Some(WARN),
                "Dữ liệu đối chiếu đã cũ ({n} ngày).",
                "Reference data is {n} days old.",
                "Tiếp tục; cập nhật dữ liệu khi có thể.",
                "Proceed; sync the data when possible.",
            ),
            Code::Expired => e(
                "010",
                Some(NO),
                "Thẻ đã hết giá trị sử dụng.",
                "Card expired.",
                "Đề nghị xuất trình thẻ còn giá trị (VssID / VNeID); nếu không, tiếp đón theo dịch vụ (tự chi trả).",
                "Ask for a current card (VssID / VNeID); otherwise the general (self-pay) process.",
            ),
            Code::NotYetValid => e(
                "L01",
                Some(NO),
                "Thẻ chưa đến thời hạn sử dụng.",
                "Card not yet valid.",
                "Đề nghị xuất trình thẻ có giá trị hôm nay; nếu không, tiếp đón theo dịch vụ.",
                "Ask for a card valid today; otherwise the general process.",
            ),
            Code::ReplacedExpired => e(
                "003",
                Some(NO),
                "Thẻ cũ đã hết giá trị, đã được cấp thẻ mới ({code}).",
                "Old card expired; new card issued ({code}).",
                "Kiểm tra lại bằng số thẻ mới.",
                "Re-check with the new card number.",
            ),
            Code::Revoked => e(
                "110",
                Some(NO),
                "Thẻ đã bị thu hồi.",
                "Card revoked.",
                "Tiếp đón theo dịch vụ; người bệnh liên hệ cơ quan BHXH.",
                "General process; the patient contacts BHXH.",
            ),
            Code::Reduced => e(
                "120",
                Some(NO),
                "Thẻ đã bị báo giảm.",
                "Card reported reduced.",
                REDUCED_NEXT_VI,
                REDUCED_NEXT_EN,
            ),
            Code::ReducedOtherProvince => e(
                "121",
                Some(NO),
                "Thẻ đã bị báo giảm (chuyển ngoại tỉnh).",
                "Reduced: moved to another province.",
                REDUCED_NEXT_VI,
                REDUCED_NEXT_EN,
            ),
            Code::ReducedInProvince => e(
                "122",
                Some(NO),
                "Thẻ đã bị báo giảm (chuyển nội tỉnh).",
                "Reduced: moved within the province.",
                REDUCED_NEXT_VI,
                REDUCED_NEXT_EN,
            ),
            Code::ReducedStopped => e(
                "124",
                Some(NO),
                "Thẻ đã bị báo giảm (dừng tham gia).",
                "Reduced: stopped participating.",
                REDUCED_NEXT_VI,
                REDUCED_NEXT_EN,
            ),
            Code::ReducedReenrolled => e(
                "123",
                Some(CV),
                "Thẻ đã bị báo giảm (tăng lại cùng đơn vị).",
                "Reduced, then re-enrolled at the same employer.",
                "Tra cứu trực tuyến thẻ hiện tại; tiếp đón và kiểm tra lại sau.",
                "Check online for the current card; admit and re-check.",
            ),
            Code::NotFound => e(
                "050",
                Some(CV),
                "Không tìm thấy thông tin thẻ.",
                "No information for this card.",
                "Đề nghị mở VssID hoặc xuất trình thẻ; tiếp đón theo số thẻ và tra cứu lại trực tuyến (NĐ 188 Đ38 k2).",
                "Ask for VssID or the card; admit with the number and re-check online (NĐ 188 Đ38 k2).",
            ),
            Code::BadCardCode => {
                e("051", Some(CV), "Mã thẻ không đúng.", "Card code incorrect.", RETYPE_VI, RETYPE_EN)
            }
            Code::BadProvince => e(
                "052",
                Some(CV),
                "Mã tỉnh cấp thẻ (ký tự thứ 4, 5) không đúng.",
                "Province code (characters 4–5) incorrect.",
                "Nhập lại ký tự thứ 4, 5.",
                "Re-type characters 4–5.",
            ),
            Code::BadBenefit => e(
                "053",
                Some(CV),
                "Mã quyền lợi (ký tự thứ 3) không đúng.",
                "Benefit code (character 3) incorrect.",
                "Nhập lại ký tự thứ 3.",
                "Re-type character 3.",
            ),
            Code::NameMismatch => e(
                "060",
                Some(CV),
                "Họ tên không khớp với thông tin thẻ.",
                "Name does not match the card.",
                CHECK_ID_VI,
                CHECK_ID_EN,
            ),
            Code::BirthMismatch => e(
                "070",
                Some(CV),
                "Ngày sinh không khớp với thông tin thẻ.",
                "Date of birth does not match.",
                CHECK_ID_VI,
                CHECK_ID_EN,
            ),
            Code::DataTooOld => e(
                "L03",
                Some(CV),
                "Dữ liệu đối chiếu quá cũ ({n} ngày), không xác nhận được.",
                "Reference data too old ({n} days) to confirm.",
                "Tra cứu trực tuyến hoặc cập nhật dữ liệu; tiếp đón và kiểm tra lại sau.",
                "Check online or sync; admit and re-check.",
            ),
            Code::Unreadable => e(
                "L04",
                Some(CV),
                "Không đọc được dữ liệu mã QR.",
                "QR payload unreadable or unsupported.",
                "Quét lại; nếu không được, nhập mã thẻ, mã số BHXH hoặc số CCCD.",
                "Re-scan; otherwise type the card, BHXH or CCCD number.",
            ),
        }
    }

    /// The code as printed: `000`, `010`, `L04`, …
    pub fn as_str(self) -> &'static str {
        self.entry().code
    }

    /// The status this reason imposes, or `None` for information only.
    pub fn status(self) -> Option<Status> {
        self.entry().status
    }
}

/// Values for a message's placeholders.
#[derive(Debug, Clone, Default)]
pub struct Args {
    pub n: Option<i64>,
    pub date: Option<String>,
    pub code: Option<String>,
}

/// One reason of a verdict, with its text filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub code: Code,
    /// The status it imposes; `None` for information.
    pub status: Option<Status>,
    pub message_vi: String,
    pub message_en: String,
    pub next_step_vi: String,
    pub next_step_en: String,
}

impl Reason {
    pub fn new(code: Code, args: &Args) -> Reason {
        let e = code.entry();
        let fill = |t: &str| {
            let mut s = t.to_string();
            if let Some(n) = args.n {
                s = s.replace("{n}", &n.to_string());
            }
            if let Some(d) = &args.date {
                s = s.replace("{date}", d);
            }
            // An unknown code (e.g. the replacement card's) is left out, not shown as a placeholder.
            match &args.code {
                Some(code) => s.replace("{code}", code),
                None => s.replace(" ({code})", "").replace("{code}", ""),
            }
        };
        Reason {
            code,
            status: e.status,
            message_vi: fill(e.vi),
            message_en: fill(e.en),
            next_step_vi: e.next_vi.to_string(),
            next_step_en: e.next_en.to_string(),
        }
    }

    pub fn plain(code: Code) -> Reason {
        Reason::new(code, &Args::default())
    }

    /// Appends a detail (e.g. which character is wrong) to both messages.
    pub fn with_detail(mut self, vi: &str, en: &str) -> Reason {
        self.message_vi = format!("{} {vi}", self.message_vi);
        self.message_en = format!("{} {en}", self.message_en);
        self
    }

    /// Overrides the status (clinic policy, e.g. for L07).
    pub fn with_status(mut self, status: Option<Status>) -> Reason {
        self.status = status;
        self
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Reason", 6)?;
        st.serialize_field("code", &self.code)?;
        st.serialize_field("status", self.status.map_or("info", Status::as_str))?;
        st.serialize_field("message_vi", &self.message_vi)?;
        st.serialize_field("message_en", &self.message_en)?;
        st.serialize_field("next_step_vi", &self.next_step_vi)?;
        st.serialize_field("next_step_en", &self.next_step_en)?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        let r = Reason::new(Code::ExpiringSoon, &Args { n: Some(12), ..Args::default() });
        assert_eq!(r.message_vi, "Thẻ sắp hết hạn (còn 12 ngày).");
        assert_eq!(r.message_en, "Card expires in 12 days.");
        assert_eq!(r.status, Some(Status::EligibleWithWarning));
        assert_eq!(Code::CardOnly.status(), None);
        assert_eq!(Code::ReducedReenrolled.as_str(), "123");
    }

    #[test]
    fn without_an_account_no_next_step_promises_a_recheck() {
        for code in [Code::CardOnly, Code::ReducedReenrolled, Code::NotFound, Code::DataTooOld] {
            let r = Reason::plain(code);
            assert!(r.next_step_en.contains("re-check"), "{code:?} promises one when configured");
            let (mut vi, mut en) = (r.next_step_vi.clone(), r.next_step_en.clone());
            without_online_recheck(&mut vi, &mut en);
            assert!(!en.contains("re-check"), "{code:?}: {en}");
            assert!(!vi.contains("tra cứu lại") && !vi.contains("kiểm tra lại sau"), "{code:?}: {vi}");
            assert!(
                en.contains("by phone") && vi.contains("gọi BHXH"),
                "{code:?} says how to confirm: {en} / {vi}"
            );
        }
    }

    #[test]
    fn severity_order() {
        assert!(Status::NotEligible > Status::CannotVerify);
        assert!(Status::CannotVerify > Status::EligibleWithWarning);
        assert!(Status::EligibleWithWarning > Status::Eligible);
    }
}
