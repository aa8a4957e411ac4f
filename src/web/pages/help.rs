//! "Hướng dẫn dự thi": how to register, take a round, answer the prediction question, and
//! what to do when the connection drops — the questions participants ask organisers.

use actix_web::HttpResponse;
use maud::html;

use super::PageCtx;
use crate::views::layout::page;

/// `GET /huong-dan` — the participant's guide, for everyone.
pub async fn guide(ctx: PageCtx) -> HttpResponse {
    let viewer = &ctx.viewer;
    ctx.ok(page(
        viewer,
        "Hướng dẫn dự thi",
        &[],
        html! {
            h1 { "Hướng dẫn dự thi" }
            section.card aria-labelledby="huong-dan-dang-ky" {
                h2 #huong-dan-dang-ky { "1. Đăng ký" }
                p { "Bấm " a href="/register" { "Đăng ký" } ", nhập họ và tên, số điện thoại, chọn đối tượng (cán bộ, công chức, viên chức hoặc người dân, doanh nghiệp) và đơn vị của bạn, đặt mật khẩu. Mỗi người chỉ đăng ký một tài khoản: tài khoản trùng lặp bị Ban Tổ chức huỷ kết quả." }
            }
            section.card aria-labelledby="huong-dan-lam-bai" {
                h2 #huong-dan-lam-bai { "2. Làm bài" }
                p { "Trên " a href="/" { "Trang chủ" } ", bấm “Vào thi” ở vòng thi đang mở. Màn hình “Sẵn sàng” cho biết thời gian làm bài, số câu hỏi và số lượt còn lại; thời gian chỉ bắt đầu tính khi bạn bấm “Bắt đầu”." }
                p { "Mỗi câu trả lời được lưu ngay khi bạn chọn (dưới câu hỏi hiện “Đã lưu lúc …”). Thanh trên cùng có “Danh sách câu” để chuyển nhanh đến một câu, số câu đã trả lời và thời gian còn lại. Khi xong, bấm “Nộp bài”; hết giờ, bài được tự động nộp với các câu trả lời đã lưu." }
                p { "Nếu vòng thi cho phép nhiều lượt, lượt có điểm cao nhất được tính. Vòng “Thi thử” không xếp hạng: sau khi nộp, bạn xem ngay đáp án và giải thích." }
            }
            section.card aria-labelledby="huong-dan-du-doan" {
                h2 #huong-dan-du-doan { "3. Câu hỏi dự đoán" }
                p { "Câu cuối mỗi vòng thi chính thức hỏi một con số, ví dụ: “Có bao nhiêu người trả lời đúng tất cả các câu hỏi của vòng thi này?”. Câu này không tính điểm; khi nhiều người bằng điểm, ai dự đoán gần đúng hơn xếp trên, rồi đến người làm bài nhanh hơn. Số dự đoán cũng được lưu ngay khi bạn nhập." }
            }
            section.card aria-labelledby="huong-dan-mat-ket-noi" {
                h2 #huong-dan-mat-ket-noi { "4. Khi mất kết nối hoặc phải đăng nhập lại" }
                p { "Đừng đóng trang. Những câu trả lời chưa lưu được giữ trên máy và tự lưu lại khi có mạng; trang cho biết còn bao nhiêu câu chưa lưu. Nếu trang báo phiên đăng nhập đã hết, bấm “Đăng nhập lại”: sau khi đăng nhập, bạn trở lại đúng bài đang làm." }
                p { "Thời gian làm bài tính theo đồng hồ máy chủ, không theo đồng hồ điện thoại. Quên mật khẩu: dùng " a href="/quen-mat-khau" { "Quên mật khẩu?" } " hoặc liên hệ Ban Tổ chức để nhận mã đặt lại." }
            }
        },
    ))
}
