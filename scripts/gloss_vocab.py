"""A word-for-word glossary of the English model's commonest words in Chinese and Arabic.

Used only by ``scripts/screenshot_languages.py`` to give a *fixture* model folder two extra
"languages" that reuse the English decoder with another vocabulary (manifest entry with
``init: null``, docs/adr/0008): every English token is replaced by its gloss, so the
"Chinese" and "Arabic" captions are the English caption glossed word by word — real
Chinese and Arabic words with the English word order, NOT the output of a Chinese or
Arabic model. Words missing here keep their English spelling. Written by hand for the
screenshot of the window's layout (right-to-left editing, CJK text, per-word heatmaps).
"""

from __future__ import annotations

# english|chinese|arabic, one entry per line
_TABLE = """
a|一个|هناك
in|在|في
the|那|هذا
on|在|على
is|正在|وهو
of|的|من
and|和|و
with|带着|مع
man|男人|رجل
dog|狗|كلب
two|两个|اثنان
to|去|إلى
woman|女人|امرأة
people|人们|أشخاص
are|正在|وهم
white|白色的|أبيض
at|在|عند
black|黑色的|أسود
boy|男孩|ولد
an|一个|هناك
girl|女孩|فتاة
wearing|穿着|يرتدي
young|年轻的|صغير
his|他的|له
standing|站着|يقف
water|水|الماء
red|红色的|أحمر
brown|棕色的|بني
playing|玩|يلعب
sitting|坐着|يجلس
person|人|شخص
down|下|أسفل
holding|拿着|يمسك
blue|蓝色的|أزرق
while|同时|بينما
through|穿过|عبر
ball|球|كرة
dogs|狗|كلاب
running|跑|يركض
group|一群|مجموعة
shirt|衬衫|قميص
little|小|صغير
snow|雪|الثلج
front|前面|أمام
field|田野|حقل
street|街道|الشارع
up|上|أعلى
grass|草地|العشب
child|孩子|طفل
riding|骑着|يركب
large|大|كبير
over|越过|فوق
men|男人们|رجال
three|三个|ثلاثة
small|小|صغير
walking|走|يمشي
next|旁边|بجانب
by|旁边|بجانب
jumping|跳|يقفز
her|她的|لها
tennis|网球|التنس
near|附近|قرب
green|绿色的|أخضر
beach|海滩|الشاطئ
yellow|黄色的|أصفر
one|一个|واحد
for|为了|ل
children|孩子们|أطفال
air|空中|الهواء
from|从|من
player|球员|لاعب
some|一些|بعض
into|进入|إلى
that|那|ذلك
as|当|بينما
another|另一个|آخر
looking|看着|ينظر
outside|外面|خارج
other|其他|آخر
stands|站|يقف
mouth|嘴|فمه
their|他们的|لهم
bike|自行车|دراجة
jumps|跳|يقفز
runs|跑|يركض
its|它的|له
baseball|棒球|البيسبول
top|顶上|قمة
out|出|خارج
girls|女孩们|فتيات
women|女人们|نساء
around|周围|حول
table|桌子|طاولة
game|比赛|مباراة
behind|后面|خلف
has|有|لديه
skateboard|滑板|لوح تزلج
it|它|هو
orange|橙色的|برتقالي
play|玩|يلعب
off|离开|من
pink|粉色的|وردي
camera|相机|الكاميرا
building|大楼|مبنى
hat|帽子|قبعة
sits|坐|يجلس
rock|岩石|صخرة
jacket|夹克|سترة
park|公园|حديقة
picture|照片|صورة
background|背景|الخلفية
boys|男孩们|أولاد
soccer|足球|كرة القدم
city|城市|المدينة
bench|长椅|مقعد
pool|游泳池|المسبح
wall|墙|جدار
road|路|الطريق
stand|站|يقف
toy|玩具|لعبة
dressed|穿着|يرتدي
mountain|山|جبل
bus|公共汽车|حافلة
ocean|海洋|المحيط
along|沿着|على طول
side|边|جانب
smiling|微笑着|يبتسم
hand|手|يد
dirt|泥土|التراب
there|那里|هناك
crowd|人群|حشد
frisbee|飞盘|القرص الطائر
each|每个|كل
hill|山坡|تل
together|一起|معا
several|几个|عدة
doing|做|يقوم
four|四个|أربعة
face|脸|وجه
snowy|积雪的|مثلج
walks|走|يمشي
car|汽车|سيارة
across|穿过|عبر
looks|看|ينظر
couple|一对|زوجان
train|火车|قطار
horse|马|حصان
wave|海浪|موجة
plays|玩|يلعب
baby|婴儿|طفل رضيع
holds|拿着|يمسك
sidewalk|人行道|الرصيف
grassy|长满草的|عشبي
area|地方|منطقة
carrying|带着|يحمل
trick|特技|حركة
rides|骑|يركب
back|背|ظهر
football|橄榄球|كرة القدم
stick|棍子|عصا
climbing|爬|يتسلق
motorcycle|摩托车|دراجة نارية
tree|树|شجرة
sand|沙子|الرمل
covered|覆盖的|مغطى
bicycle|自行车|دراجة
swimming|游泳|يسبح
hair|头发|شعر
him|他|له
sign|标志|لافتة
being|被|يتم
food|食物|طعام
sit|坐|يجلس
fence|栅栏|سياج
head|头|رأس
court|球场|الملعب
umbrella|伞|مظلة
boat|船|قارب
ground|地上|الأرض
jump|跳|يقفز
room|房间|غرفة
posing|摆姿势|يتصور
under|下面|تحت
players|球员们|لاعبون
race|比赛|سباق
helmet|头盔|خوذة
swing|秋千|أرجوحة
wooden|木头的|خشبي
kids|孩子们|أطفال
shorts|短裤|سروال قصير
dress|裙子|فستان
eating|吃|يأكل
ramp|坡道|منحدر
flying|飞|يطير
catch|接|يمسك
board|板|لوح
taking|拍|يأخذ
big|大|كبير
run|跑|يركض
long|长|طويل
phone|电话|هاتف
watching|看着|يشاهد
walk|走|يمشي
basketball|篮球|كرة السلة
bed|床|سرير
track|跑道|مضمار
many|很多|كثير
suit|西装|بدلة
purple|紫色的|بنفسجي
trees|树木|أشجار
high|高|عال
plate|盘子|طبق
lake|湖|بحيرة
who|谁|الذي
them|他们|هم
hands|手|يدين
path|小路|طريق
parked|停着的|متوقفة
beside|旁边|بجانب
open|打开的|مفتوح
ride|骑|يركب
slide|滑梯|زلاقة
very|很|جدا
lady|女士|سيدة
old|老|كبير السن
inside|里面|داخل
glasses|眼镜|نظارات
watches|看|يشاهد
this|这|هذا
during|期间|أثناء
uniform|制服|زي
coat|外套|معطف
look|看|ينظر
arms|手臂|ذراعين
pants|裤子|بنطال
above|上方|فوق
older|年长的|أكبر
talking|说话|يتحدث
ready|准备|مستعد
he|他|هو
dark|深色的|داكن
towards|朝着|نحو
photo|照片|صورة
horses|马|خيول
river|河|نهر
swinging|挥动|يتأرجح
colorful|彩色的|ملون
kite|风筝|طائرة ورقية
watch|看|يشاهد
grey|灰色的|رمادي
pose|摆姿势|يتصور
kitchen|厨房|مطبخ
racing|赛跑|يتسابق
cake|蛋糕|كعكة
middle|中间|وسط
onto|到上面|على
light|灯|ضوء
rocks|岩石|صخور
rocky|多岩石的|صخري
cars|汽车|سيارات
against|靠着|ضد
kid|孩子|طفل
going|去|يذهب
slope|斜坡|منحدر
about|关于|حول
body|身体|جسم
someone|有人|شخص ما
truck|卡车|شاحنة
sky|天空|السماء
yard|院子|فناء
getting|得到|يحصل
night|夜晚|الليل
bird|鸟|طائر
jeans|牛仔裤|جينز
striped|条纹的|مخطط
chair|椅子|كرسي
pole|杆子|عمود
day|白天|يوم
ice|冰|الجليد
woods|树林|الغابة
after|之后|بعد
edge|边缘|حافة
past|经过|بجانب
rider|骑手|راكب
male|男性|ذكر
mountains|群山|جبال
smiles|微笑|يبتسم
tall|高|طويل
waiting|等待|ينتظر
wet|湿的|مبلل
window|窗户|نافذة
colored|彩色的|ملون
cliff|悬崖|جرف
others|其他人|آخرون
hanging|挂着|معلق
puppy|小狗|جرو
toddler|幼儿|طفل صغير
laying|躺着|مستلق
lying|躺着|مستلق
sunglasses|太阳镜|نظارات شمسية
racket|球拍|مضرب
skier|滑雪者|متزلج
skiing|滑雪|يتزلج
surfer|冲浪者|راكب أمواج
guy|男人|رجل
bat|球棒|مضرب
skis|滑雪板|زلاجات
stairs|楼梯|درج
"""

GLOSSES: dict[str, dict[str, str]] = {"zh": {}, "ar": {}}
for _line in _TABLE.strip().splitlines():
    _en, _zh, _ar = _line.split("|")
    GLOSSES["zh"][_en] = _zh
    GLOSSES["ar"][_en] = _ar


def gloss_tokens(tokens: list[str], code: str) -> list[str]:
    """The English vocabulary with each word replaced by its ``code`` gloss (specials,
    punctuation and words not in the table stay as they are)."""
    table = GLOSSES[code]
    return [table.get(token, token) for token in tokens]
