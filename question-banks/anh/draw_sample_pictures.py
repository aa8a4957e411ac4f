#!/usr/bin/env python3
"""Draws the sample bank's screenshot-style pictures (issue #19, point 9).

Made for the project: simplified mock-ups of an online public-service portal, drawn with
Pillow and the project's own Noto Serif font, written as small palette PNGs into
question-banks/anh/. Run from the repository root: `python3 question-banks/anh/draw_sample_pictures.py`
(needs `pip install pillow`). The pictures are committed; the app never runs this.
"""

from PIL import Image, ImageDraw, ImageFont

FONT = "static/fonts/NotoSerif-Regular.ttf"
BOLD = "static/fonts/NotoSerif-Bold.ttf"
W, H = 960, 600
RED, BLUE, GREY, LINE, WHITE, INK, GREEN = (
    "#b3261e", "#1f4e99", "#f2f4f7", "#c8ccd2", "#ffffff", "#1d1d1f", "#1e7a3c")


def font(size, bold=False):
    return ImageFont.truetype(BOLD if bold else FONT, size)


def frame(title):
    img = Image.new("RGB", (W, H), GREY)
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, W, 34], fill="#dfe3e8")
    for i, c in enumerate(["#e0443e", "#dea123", "#1aab29"]):
        d.ellipse([14 + 22 * i, 11, 26 + 22 * i, 23], fill=c)
    d.rounded_rectangle([100, 7, W - 20, 27], 8, fill=WHITE)
    d.text((112, 8), "https://dichvucong.vinhlong.gov.vn", fill="#555", font=font(14))
    d.rectangle([0, 34, W, 104], fill=RED)
    d.ellipse([24, 44, 74, 94], fill="#f5c518")
    d.text((90, 50), "CỔNG DỊCH VỤ CÔNG TỈNH VĨNH LONG", fill=WHITE, font=font(26, True))
    d.text((90, 80), title, fill="#ffe9e6", font=font(16))
    return img, d


def button(d, box, label, fill=BLUE):
    d.rounded_rectangle(box, 6, fill=fill)
    f = font(18, True)
    x0, y0, x1, y1 = box
    tw = d.textlength(label, font=f)
    d.text(((x0 + x1 - tw) / 2, y0 + (y1 - y0 - 24) / 2), label, fill=WHITE, font=f)


def field(d, y, label, value=""):
    d.text((60, y), label, fill=INK, font=font(17))
    d.rounded_rectangle([60, y + 28, W - 60, y + 66], 4, fill=WHITE, outline=LINE)
    if value:
        d.text((72, y + 36), value, fill="#333", font=font(16))


def save(img, name):
    img.convert("P", palette=Image.Palette.ADAPTIVE, colors=32).save(
        f"question-banks/anh/{name}", optimize=True)


def login():
    img, d = frame("Đăng nhập")
    d.rounded_rectangle([200, 140, 760, 560], 10, fill=WHITE, outline=LINE)
    d.text((240, 160), "Đăng nhập bằng tài khoản", fill=INK, font=font(24, True))
    button(d, (240, 220, 720, 276), "Tài khoản định danh điện tử (VNeID)", GREEN)
    button(d, (240, 296, 720, 352), "Tài khoản Cổng Dịch vụ công quốc gia")
    d.text((240, 380), "Hoặc tên đăng nhập (số CCCD)", fill="#555", font=font(16))
    d.rounded_rectangle([240, 410, 720, 448], 4, fill=WHITE, outline=LINE)
    d.rounded_rectangle([240, 460, 720, 498], 4, fill=WHITE, outline=LINE)
    button(d, (240, 510, 720, 548), "Đăng nhập", RED)
    save(img, "dang-nhap.png")


def search():
    img, d = frame("Thủ tục hành chính")
    d.rounded_rectangle([60, 130, 760, 176], 6, fill=WHITE, outline=LINE)
    d.text((76, 140), "đăng ký khai sinh", fill="#333", font=font(18))
    button(d, (776, 130, 900, 176), "Tìm kiếm")
    rows = [("Đăng ký khai sinh", "Mức độ 4 — toàn trình"),
            ("Đăng ký khai sinh có yếu tố nước ngoài", "Mức độ 3 — một phần"),
            ("Đăng ký lại khai sinh", "Mức độ 3 — một phần")]
    for i, (name, level) in enumerate(rows):
        y = 200 + i * 110
        d.rounded_rectangle([60, y, 900, y + 94], 8, fill=WHITE, outline=LINE)
        d.text((80, y + 14), name, fill=BLUE, font=font(20, True))
        d.text((80, y + 52), level, fill="#555", font=font(16))
        button(d, (740, y + 26, 880, y + 68), "Nộp hồ sơ", RED)
    save(img, "tim-thu-tuc.png")


def form():
    img, d = frame("Nộp hồ sơ trực tuyến — bước 2/4: thông tin hồ sơ")
    steps = ["1. Chọn thủ tục", "2. Thông tin", "3. Đính kèm", "4. Nộp"]
    for i, s in enumerate(steps):
        x = 60 + i * 215
        d.rounded_rectangle([x, 120, x + 200, 156], 18, fill=BLUE if i == 1 else "#d5dbe3")
        d.text((x + 20, 126), s, fill=WHITE if i == 1 else INK, font=font(16, True))
    field(d, 180, "Họ và tên người yêu cầu *", "Nguyễn Văn An")
    field(d, 260, "Số định danh cá nhân *", "086 0xx xxx xxx")
    field(d, 340, "Số điện thoại *")
    d.text((60, 430), "Hình thức nhận kết quả *", fill=INK, font=font(17))
    d.ellipse([60, 466, 80, 486], outline=INK, width=2)
    d.ellipse([65, 471, 75, 481], fill=BLUE)
    d.text((90, 462), "Nhận trực tuyến (bản điện tử)", fill=INK, font=font(16))
    d.ellipse([420, 466, 440, 486], outline=INK, width=2)
    d.text((450, 462), "Qua dịch vụ bưu chính công ích", fill=INK, font=font(16))
    button(d, (740, 530, 900, 576), "Tiếp tục")
    save(img, "buoc-2-thong-tin.png")


def lookup():
    img, d = frame("Tra cứu hồ sơ")
    field(d, 130, "Mã số hồ sơ", "000.00.21.H62-210513-0042")
    button(d, (60, 210, 220, 254), "Tra cứu")
    d.rounded_rectangle([60, 280, 900, 560], 8, fill=WHITE, outline=LINE)
    d.text((84, 300), "Kết quả tra cứu", fill=INK, font=font(22, True))
    rows = [("Thủ tục", "Đăng ký khai sinh"), ("Ngày tiếp nhận", "13/05/2021"),
            ("Ngày hẹn trả", "14/05/2021"), ("Trạng thái", "Đã có kết quả")]
    for i, (k, v) in enumerate(rows):
        y = 350 + i * 48
        d.text((84, y), k, fill="#555", font=font(17))
        d.text((330, y), v, fill=GREEN if i == 3 else INK, font=font(17, i == 3))
    save(img, "tra-cuu-ho-so.png")


if __name__ == "__main__":
    login()
    search()
    form()
    lookup()
